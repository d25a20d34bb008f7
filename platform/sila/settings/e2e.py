"""End-to-end browser tests: the development settings, served by a real server and worker, with
fast password hashing and text messages written to a file the test reads."""

import os

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The browser tests point the Taqnyat backend at the stand-in gateway they start.
SILA_SMS_BACKEND = os.environ.get("SILA_SMS_BACKEND", "casework.sms.FileSmsBackend")
SILA_SMS_FILE = os.environ.get("SILA_SMS_FILE", "/tmp/sila-sms.jsonl")  # noqa: S108 - tests set it
DEBUG = False
ALLOWED_HOSTS = [".localhost", "localhost", "127.0.0.1"]
# The contract run (tests/contract) sends bad and missing tokens on purpose from one address; the
# throttle of bad tokens is tested on its own (tests/reliability), so that run raises the limit.
SILA_BAD_TOKEN_LIMIT = int(os.environ.get("SILA_BAD_TOKEN_LIMIT", "20"))
