"""Development: what `make demo` runs."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("SILA_DEBUG", True)
