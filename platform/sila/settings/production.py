"""Production: HTTPS behind a reverse proxy, secrets and the database from the environment.

Refuses to load (ImproperlyConfigured) without a real SILA_SECRET_KEY, a DATABASE_URL, a
SILA_BASE_DOMAIN and a SILA_CROSSCHECK_KEY, so a misconfigured deployment fails at start instead
of running with dev defaults. `manage.py check --deploy --fail-level WARNING` passes with them set
(tests/test_deploy.py).
See docs/adr/0006-production-settings.md and deploy/README.md.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, SECRET_KEY, STORAGES, env, env_bool, env_list

DEV_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - the value that must never be used


def _required(name: str) -> str:
    value = env(name).strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (see deploy/env.example)")
    return value


DEBUG = False

# --- Secrets and where things are ---------------------------------------------------------
if not env("SILA_SECRET_KEY").strip() or SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SILA_SECRET_KEY must be set to a long random value in production "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))")'
    )

# base.py parsed DATABASE_URL; without it, it would start the embedded server, never wanted here.
_required("DATABASE_URL")
if DATABASES["default"].get("EMBEDDED"):
    raise ImproperlyConfigured("production never uses the embedded PostgreSQL")
if "pool" not in DATABASES["default"].get("OPTIONS", {}):
    # SILA_DB_POOL_SIZE=0 turned the pool off (base.database_pool): keep a connection per thread.
    DATABASES["default"]["CONN_MAX_AGE"] = int(env("SILA_CONN_MAX_AGE", "60"))

SILA_BASE_DOMAIN = _required("SILA_BASE_DOMAIN").lower()
# The key of the cross-association check's ID hashes (docs/adr/0019). Derived from the secret key
# (development's fallback), a rotation of that key would orphan every association's marks: a
# production deployment has a key of its own from the start.
SILA_CROSSCHECK_KEY = _required("SILA_CROSSCHECK_KEY")
if len(SILA_CROSSCHECK_KEY) < 32 or SILA_CROSSCHECK_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        "SILA_CROSSCHECK_KEY must be at least 32 random characters, other than SILA_SECRET_KEY "
        '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
    )
# The base domain serves the platform, every <slug>.<base domain> an association. Custom
# association domains must be added here too (SILA_ALLOWED_HOSTS replaces the default list).
ALLOWED_HOSTS = env_list("SILA_ALLOWED_HOSTS", [SILA_BASE_DOMAIN, f".{SILA_BASE_DOMAIN}"])
# Cross-host form posts (e.g. from the platform's site to an association's) are trusted only
# between Sila's own hosts, and only over HTTPS.
CSRF_TRUSTED_ORIGINS = [
    f"https://*{host}" if host.startswith(".") else f"https://{host}" for host in ALLOWED_HOSTS if host != "*"
]

# --- HTTPS: TLS ends at the reverse proxy, which must set X-Forwarded-Proto -----------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SILA_SECURE_SSL_REDIRECT", True)
# /healthz is answered before any redirect (tenants.middleware); keep it exempt regardless.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(env("SILA_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
# Every association is a subdomain: they all get HSTS with the base domain.
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SILA_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = True
# Passkeys: the origin is always checked in production, whatever the environment says.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True

# --- Static files: hashed names, compressed, served by WhiteNoise (collectstatic at build) ----
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Cache: Redis when SILA_CACHE_URL is set; keys are prefixed with the schema (base.py) -----
_cache_url = env("SILA_CACHE_URL").strip()
if _cache_url:
    if not _cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("SILA_CACHE_URL must be a redis://, rediss:// or unix:// URL")
    CACHES = {
        "default": {
            **CACHES["default"],
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }

# --- Mail: SMTP (the console backend of development would print sign-in links to the logs) ---
EMAIL_BACKEND = env("SILA_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("SILA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("SILA_EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("SILA_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("SILA_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("SILA_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("SILA_DEFAULT_FROM_EMAIL", f"Sila <no-reply@{SILA_BASE_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Text messages: a real gateway (the console backend would print numbers and secret links) ---
SILA_SMS_BACKEND = env("SILA_SMS_BACKEND", "casework.sms.TaqnyatSmsBackend")
if SILA_SMS_BACKEND.rsplit(".", 1)[-1] in {"ConsoleSmsBackend", "LocmemSmsBackend", "FileSmsBackend"}:
    raise ImproperlyConfigured(
        f"SILA_SMS_BACKEND={SILA_SMS_BACKEND} does not send text messages; production needs a gateway "
        "(casework.sms.TaqnyatSmsBackend with SILA_SMS_TOKEN and SILA_SMS_SENDER)"
    )
if SILA_SMS_BACKEND == "casework.sms.TaqnyatSmsBackend":
    _required("SILA_SMS_TOKEN")
    _required("SILA_SMS_SENDER")
    # Delivery reports are accepted only with this secret (casework.sms_callback).
    _required("SILA_SMS_DLR_TOKEN")
    if not env("SILA_SMS_URL", "https://api.taqnyat.sa/v1/messages").startswith("https://"):
        raise ImproperlyConfigured("SILA_SMS_URL must be an https:// URL in production")

# --- Logs: one line per record on stdout, for the container runtime to collect ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"},
    },
    "filters": {"mask_secrets": {"()": "sila.log_filters.MaskSecretsFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["mask_secrets"],
        },
    },
    "root": {"handlers": ["stdout"], "level": env("SILA_LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}
