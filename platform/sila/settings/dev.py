"""Development: what `make demo` runs."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("SILA_DEBUG", True)

# Static files straight from the apps (no collectstatic in development and tests).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
