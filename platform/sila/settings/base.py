"""Settings shared by every environment. Everything secret or deployment-specific comes from the
environment (12-factor); the defaults here are safe for development only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = env("SILA_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("SILA_DEBUG", False)

# The bare base domain serves the platform's own site; <slug>.<base> serves an association.
SILA_BASE_DOMAIN = env("SILA_BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = env_list("SILA_ALLOWED_HOSTS", [SILA_BASE_DOMAIN, f".{SILA_BASE_DOMAIN}", "127.0.0.1"])

# --- Apps: public schema (platform) vs. one schema per association --------------------------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth.usersessions' list ("3 minutes ago")
    "accounts",
    "audit",
    # Before allauth: its templates (allauth/layouts/base.html) are overridden by the themes'.
    "themes",
    "allauth",
    "allauth.account",
    # MFA and session lists in both: association staff and board sign in per schema, platform
    # operators in the public schema, and both must be able to hold a second factor.
    "allauth.mfa",
    "allauth.usersessions",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "sila",
    # The platform as a service (public schema only): sign-up, billing, console, incidents.
    "ops",
    "signup",
    "billing",
    "console",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "audit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "policy_engine",
    "casework",
    "casework.reports",
    "casework.privacy",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Association"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# A migrated, empty schema that new associations are cloned from (see docs/adr/0003).
SILA_TEMPLATE_SCHEMA = "sila_template"
# Issue `SET search_path` once per schema switch instead of on every cursor.
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    # Outermost: every response, including routing's and the sanitiser's refusals, carries them.
    "sila.headers.SecurityHeadersMiddleware",
    # First: it refuses NUL characters and oversize API bodies, and makes every /api/ error JSON
    # (routing's own 404 for an unknown host included).
    "core.middleware.RequestSanitisingMiddleware",
    "tenants.middleware.TenantRoutingMiddleware",
    "ops.middleware.SentryScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "themes.middleware.ArabicFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: idle/absolute session limits, then "enrol MFA before anything else".
    "accounts.middleware.SessionPolicyMiddleware",
    "accounts.middleware.MfaEnrolmentMiddleware",
]

ROOT_URLCONF = "sila.urls.tenant"
PUBLIC_SCHEMA_URLCONF = "sila.urls.public"
WSGI_APPLICATION = "sila.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "themes.context_processors.sila",
                "casework.portal.context_processors.portal",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
# With DATABASE_URL, Sila uses that server and starts nothing. Without it, the first connection
# starts the embedded PostgreSQL under .sila/ (see sila/embedded_db.py).
_database_url = env("DATABASE_URL")
if _database_url:
    DATABASES: dict[str, dict[str, Any]] = {
        "default": dict(dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True))
    }
else:
    DATABASES = {
        "default": {
            "NAME": env("SILA_DB_NAME", "sila"),
            "USER": "postgres",
            "HOST": "",  # filled in with the embedded server's socket on first connection
            "EMBEDDED": True,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DATABASES["default"]["ENGINE"] = "sila.db"


def database_pool(database: dict[str, Any]) -> None:
    """Give each process a bounded pool of connections (Django 5.2's psycopg pool), instead of
    one connection per thread for as long as the thread lives.

    ``SILA_DB_POOL_SIZE`` connections at most per process (0 turns the pool off); a request that
    finds them all busy waits up to ``SILA_DB_POOL_TIMEOUT`` seconds, then is answered 503 with
    Retry-After (core.views.server_error). A connection is checked before it is handed out, so a
    restarted PostgreSQL costs the requests in flight, not the next ones.
    """
    size = int(env("SILA_DB_POOL_SIZE", "10"))
    if size <= 0:
        return
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, size),
        "max_size": size,
        "timeout": float(env("SILA_DB_POOL_TIMEOUT", "10")),
        "max_idle": 300.0,
        "reconnect_timeout": 60.0,
    }
    database["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not hold one per thread
    database["CONN_HEALTH_CHECKS"] = True  # Django passes ConnectionPool.check_connection


database_pool(DATABASES["default"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# A password reset never signs the user in: they sign in afterwards, second factor included.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300  # seconds a fresh re-authentication counts for
# Rate limits (allauth's, cache-backed; keys carry the schema). "ip" is per address, "key" per
# account (the email). Per account is deliberately looser than per address so a stranger cannot
# shut a colleague out for long; failed attempts on a board vote consume "login_failed" too.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/5m/ip,20/15m/key",
    "reset_password": "10/m/ip,3/5m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
}
ACCOUNT_EMAIL_NOTIFICATIONS = False
# --- Second factor (allauth.mfa) -------------------------------------------------------------
MFA_ADAPTER = "accounts.adapter.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Sila"
# Accept the code of the previous and next 30 s too (phones' clocks drift); each code works once.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_FORMS = {"add_webauthn": "accounts.forms.AddPasskeyForm"}
# Never needed, not even for the demo: fido2 checks the origin and accepts http://*.localhost (a
# secure context for browsers) as well as https. True switches the origin check off entirely.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("SILA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)
# Each session's last activity is shown in the person's list of sessions. accounts.middleware
# writes it at most once a minute (allauth's own UserSessionsMiddleware would write on every request).
USERSESSIONS_TRACK_ACTIVITY = True
# Absolute session lifetime; the idle limit is each association's setting (accounts.SecuritySettings).
SESSION_COOKIE_AGE = int(env("SILA_SESSION_MAX_AGE_SECONDS", str(12 * 60 * 60)))
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

# Sessions live in each schema's own table: a cookie from one association means nothing on another.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "sila_session"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "sila_csrftoken"

# --- Cache: every key carries the schema it belongs to --------------------------------------
_cache_url = env("SILA_CACHE_URL")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url.startswith("redis")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sila"}
    )
}
CACHES["default"]["KEY_FUNCTION"] = "django_tenants.cache.make_key"

# --- I18n: Arabic first, English complete --------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "sila_language"
LOCALE_PATHS = [BASE_DIR / "themes" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Riyadh"
USE_TZ = True

# --- Static and media (media is per schema: <MEDIA_ROOT>/tenants/<schema>/...) -------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("SILA_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("SILA_MEDIA_ROOT", str(BASE_DIR / ".sila" / "media")))
MULTITENANT_RELATIVE_MEDIA_ROOT = "tenants/%s"
STORAGES = {
    # django-tenants' per-schema storage, minus half-written files when a write fails (core.storage).
    "default": {"BACKEND": "core.storage.TenantStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The token class first: an unauthenticated request is answered 401 with `WWW-Authenticate: Bearer`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON that PostgreSQL can store and Python can walk: NUL characters and deep nesting are a 400.
    # JSON only by default (an upload view adds multipart itself): the schema then declares exactly
    # the bodies each operation takes.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.StrictJSONParser"],
    "PAGE_SIZE": 25,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sila API",
    "DESCRIPTION": "Sila (صلة): each association's API is served on its own host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, as strict as validation (e.g. minLength 1 for a
    # field that may not be blank); answers keep theirs.
    "COMPONENT_SPLIT_REQUEST": True,
    # Several contexts have a field called "status"; each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "PolicyStatusEnum": "policy_engine.models.PolicyStatus",
        "ConsentKindEnum": "casework.privacy.models.ConsentKind",
        "RightKindEnum": "casework.privacy.models.RightKind",
        "DataClassEnum": "casework.privacy.models.RetentionClass",
        "RightsStatusEnum": "casework.privacy.models.RightStatus",
        "AssociationRoleEnum": "accounts.roles.ASSOCIATION_ROLE_CODES",
    },
    # Every error status any operation can answer, declared with the one error body.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_error_responses",
    ],
    # ReDoc's script from drf-spectacular-sidecar, served by Sila: the API docs work offline.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

EMAIL_BACKEND = env("SILA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("SILA_DEFAULT_FROM_EMAIL", "Sila <no-reply@sila.localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Secret links and mobile numbers are masked in every line (sila.log_filters).
    "filters": {"mask_secrets": {"()": "sila.log_filters.MaskSecretsFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]},
        # The development server's request lines, as Django writes them, but masked.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env("SILA_LOG_LEVEL", "INFO")},
    "loggers": {
        **{name: {"level": "WARNING"} for name in ("pgserver", "fontTools", "weasyprint")},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# --- Errors to Sentry, never personal data -------------------------------------------------
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from sila.sentry import init_sentry

    init_sentry(SENTRY_DSN, environment=env("SILA_ENVIRONMENT", "production"))

# --- Background jobs (procrastinate, see docs/adr/0005-background-jobs.md) ------------------
# The queue is a set of tables in the public schema, reached through Django's own connection: a
# job is enqueued inside the caller's transaction (a rollback enqueues nothing) and no other
# server is needed. Tenant jobs are declared and deferred with tenants.jobs, which makes each job
# carry, and run in, its association's schema.
SHARED_APPS.append("procrastinate.contrib.django")
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
PROCRASTINATE_WORKER_DEFAULTS = {
    # Succeeded jobs would otherwise pile up in public.procrastinate_jobs; failed ones are kept.
    "delete_jobs": "successful",
    "shutdown_graceful_timeout": 30.0,
    # Heartbeats let a dead worker's jobs be found and run again (tenants.tasks.retry_stalled_jobs).
    "update_heartbeat_interval": float(env("SILA_WORKER_HEARTBEAT_SECONDS", "10")),
    "stalled_worker_timeout": float(env("SILA_WORKER_STALLED_SECONDS", "30")),
}
SILA_WORKER_STALLED_SECONDS = float(env("SILA_WORKER_STALLED_SECONDS", "30"))
# Every worker re-queues dead workers' jobs when it starts (tenants.recovery), then periodically.
PROCRASTINATE_ON_APP_READY = "tenants.recovery.on_app_ready"
# When workers look for dead workers' jobs (besides at start); a sixth field counts seconds.
SILA_STALLED_JOBS_CRON = env("SILA_STALLED_JOBS_CRON", "* * * * *")
# How long an Idempotency-Key's answer is kept (casework.api.idempotency).
SILA_IDEMPOTENCY_KEY_HOURS = float(env("SILA_IDEMPOTENCY_KEY_HOURS", "24"))
# Staff who have not signed the version in force (where the policy asks) are reminded this often.
SILA_ACKNOWLEDGMENT_REMINDER_DAYS = int(env("SILA_ACKNOWLEDGMENT_REMINDER_DAYS", "3"))

# The key of the cross-association duplicate check's ID hashes (docs/adr/0019): a long random
# value kept only on the servers. Production refuses to start without it; in development and
# tests, unset, it is derived from SILA_SECRET_KEY.
SILA_CROSSCHECK_KEY = env("SILA_CROSSCHECK_KEY")
# A named employee may check at most this many people with other associations an hour.
SILA_CROSSCHECK_PER_HOUR = int(env("SILA_CROSSCHECK_PER_HOUR", "30"))
# An access request's copy of the person's data (a ZIP) is deleted this many days after it was
# prepared, by the daily retention job: a copy of everything is not kept longer than needed.
SILA_ACCESS_EXPORT_DAYS = int(env("SILA_ACCESS_EXPORT_DAYS", "30"))

# --- Messages to staff and beneficiaries ----------------------------------------------------
SILA_SMS_BACKEND = env("SILA_SMS_BACKEND", "casework.sms.ConsoleSmsBackend")
# The Taqnyat backend (docs/adr/0015-sms-gateway.md): its URL, bearer token and registered sender.
SILA_SMS_URL = env("SILA_SMS_URL", "https://api.taqnyat.sa/v1/messages")
SILA_SMS_TOKEN = env("SILA_SMS_TOKEN")
SILA_SMS_SENDER = env("SILA_SMS_SENDER", "Sila")
SILA_SMS_TIMEOUT = float(env("SILA_SMS_TIMEOUT", "5"))
SILA_SMS_RETRIES = int(env("SILA_SMS_RETRIES", "2"))
SILA_SMS_BACKOFF = float(env("SILA_SMS_BACKOFF", "0.5"))
# The secret the gateway sends with its delivery reports (POST /sms/delivery-reports/ on the
# platform's host); without it no report is accepted.
SILA_SMS_DLR_TOKEN = env("SILA_SMS_DLR_TOKEN")
# Links in messages point at the association's primary domain with this scheme (and port).
SILA_PUBLIC_SCHEME = env("SILA_PUBLIC_SCHEME", "https")
SILA_PUBLIC_PORT = env("SILA_PUBLIC_PORT", "")
SILA_DECISION_REMINDER_LEAD_HOURS = float(env("SILA_DECISION_REMINDER_LEAD_HOURS", "48"))

# --- Billing with Stripe (docs/billing.md) ---------------------------------------------------
# Without a secret key billing is off: every association keeps its plan and nothing is charged.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# A Stripe-compatible server for development and tests (localstripe); empty in production.
STRIPE_API_BASE = env("STRIPE_API_BASE")
SILA_BILLING_GRACE_DAYS = int(env("SILA_BILLING_GRACE_DAYS", "14"))
# Archived associations' data is kept at least this long before a platform admin may purge it.
SILA_ARCHIVE_RETENTION_DAYS = int(env("SILA_ARCHIVE_RETENTION_DAYS", "365"))
# Self-service sign-ups (signup.limits): how many one client address, and one email, may start in
# each window, as "count/seconds" pairs.
SILA_SIGNUP_LIMITS_PER_ADDRESS = env("SILA_SIGNUP_LIMITS_PER_ADDRESS", "5/3600,20/86400")
SILA_SIGNUP_LIMITS_PER_EMAIL = env("SILA_SIGNUP_LIMITS_PER_EMAIL", "3/3600,6/86400")
# Behind a reverse proxy the client's address is the proxy's, unless Sila knows how many proxies
# append to X-Forwarded-For (1 behind the nginx of deploy/README.md). Without it every sign-in and
# sign-up would count against one address. Read by allauth's rate limits and signup.limits.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("SILA_TRUSTED_PROXY_COUNT", "0"))
# Association schemas cloned ahead of time for sign-ups (tenants.spares); 0 turns them off.
SILA_SPARE_SCHEMAS = int(env("SILA_SPARE_SCHEMAS", "2"))
SILA_SPARES_CRON = env("SILA_SPARES_CRON", "*/5 * * * *")
