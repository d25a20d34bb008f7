"""Tests: real PostgreSQL (embedded, or DATABASE_URL), fast password hashing."""

import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = [".localhost", "localhost", "testserver", ".test", "127.0.0.1"]
STORAGES = {
    "default": {"BACKEND": "core.storage.TenantStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files straight from the apps (no collectstatic in development and tests).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Parallel runs on one server (e.g. several checkouts) can each have their own test database.
_suffix = os.environ.get("SILA_TEST_DB_SUFFIX", "")
if _suffix:
    DATABASES["default"]["TEST"] = {"NAME": f"test_sila_{_suffix}"}  # noqa: F405

# Tests hold one connection per thread, as pytest-django expects (it swaps the database name for
# the test database, which a pool opened earlier would not follow). The pool is tested live.
DATABASES["default"]["OPTIONS"].pop("pool", None)  # noqa: F405

SILA_SMS_BACKEND = "casework.sms.LocmemSmsBackend"
SILA_PUBLIC_SCHEME = "http"

# Route re-checks (every 2 s in production) would add a query at random moments: tests that
# count queries must not see them. The routing tests exercise the re-check explicitly.
SILA_ROUTING_RECHECK_SECONDS = 3600.0

# Many tests send bad tokens from one address within a minute; the throttle's own test lowers this.
SILA_BAD_TOKEN_LIMIT = 100_000

# Many tests start sign-ups from the test client's one address; the limits' own tests lower these.
SILA_SIGNUP_LIMITS_PER_ADDRESS = "100000/3600"
SILA_SIGNUP_LIMITS_PER_EMAIL = "100000/3600"

# No spare schemas unless a test asks (tenants.spares): a test's provisioning clones, as before.
SILA_SPARE_SCHEMAS = int(os.environ.get("SILA_SPARE_SCHEMAS", "0"))
