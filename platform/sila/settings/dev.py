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
# The demo is served over http://<slug>.localhost, which browsers treat as secure: passkeys work there.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("SILA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", True)
SILA_PUBLIC_PORT = os.environ.get("SILA_PUBLIC_PORT", os.environ.get("PORT", "8000"))
