"""Development: what `make demo` runs."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("SILA_DEBUG", True)

# Static files straight from the apps (no collectstatic in development and tests).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

SILA_PUBLIC_SCHEME = "http"
# Passkeys work on the demo's http://<slug>.localhost without switching off the origin check
# (MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays False, as in production): browsers treat *.localhost as a
# secure context, and fido2 (>= 2) accepts an http://*.localhost origin for that host's RP ID.
# tests/e2e/test_passkey.py registers and signs in with a passkey there.
SILA_PUBLIC_PORT = os.environ.get("SILA_PUBLIC_PORT", os.environ.get("PORT", "8000"))
