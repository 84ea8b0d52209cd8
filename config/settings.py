"""Settings, read from the environment (see .env.example for every variable).

With no environment at all this is the embedded default: SQLite, local-memory cache, Celery
tasks run eagerly, email to the console, providers off. Setting DATABASE_URL, REDIS_URL and
CELERY_BROKER_URL moves to PostgreSQL, Redis and a real broker.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import env as conf
from config.env import env

BASE_DIR = Path(__file__).resolve().parent.parent
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = conf.boolean("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "embedded-default-insecure-key-for-local-use-only"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
BASE_URL = conf.url("BASE_URL", "http://127.0.0.1:8000", {"http", "https"}).rstrip("/")

INSTALLED_APPS = [
    "config.admin_app.MeetrouteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_countries",
    "anymail",
    "sellers",
    "scheduling",
    "routing",
    "bookings",
    "webhooks",
    "waitlist",
    "integrations",
    "config",  # the top layer's management commands (seed_demo)
]

MIDDLEWARE = [
    "config.health.HealthMiddleware",
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.csp.CSPMiddleware",  # django-csp's, ordinary headers built once
    # A warm GET …/slots/ is answered here from the cache (the rest adds nothing to it).
    "scheduling.api.warm.WarmSlotsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": conf.database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time; wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# DB_POOL_MAX_SIZE (PostgreSQL only, off by default): each process borrows connections from
# a psycopg pool of at most this many, so more threads than PostgreSQL's connection slots
# wait for one instead of failing; Django requires CONN_MAX_AGE 0 with a pool.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=0)
if DB_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env.float("DB_POOL_TIMEOUT", default=30.0),
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel beside the statement instead of quoted into its text by Python, and
    # psycopg prepares a statement a connection has run 5 times (parsed and planned once):
    # the booking path's statements repeat with new values (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = conf.url("REDIS_URL", None, conf.REDIS_SCHEMES)
# Redis unreachable must cost little: each connect and each reply waits at most these many
# seconds, and after a failure every caller of the process skips Redis for
# REDIS_DOWN_SECONDS (integrations.shared_cache) instead of waiting again.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
REDIS_DOWN_SECONDS = env.float("REDIS_DOWN_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="meetroute"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "config.adminsite.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin sign-in lockout (django-axes): after this many failures from one address, or for
# one username, sign-in is refused for ADMIN_LOCKOUT_MINUTES. A superuser unlocks from the
# admin ("Access attempts") or with `manage.py axes_reset`.
AXES_FAILURE_LIMIT = conf.positive_int("ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=conf.positive_int("ADMIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.adminsite.client_ip"
# Staff must also give a TOTP code (django-otp) at admin sign-in; register devices first.
ADMIN_REQUIRE_OTP = conf.boolean("ADMIN_REQUIRE_OTP", default=False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Public pages, emails, .ics and SMS speak these (locale/, compiled by `manage.py
# compilemessages`); the back office stays in English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = conf.timezone("DEFAULT_TIMEZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Field encryption: newest key first. The embedded default derives one from SECRET_KEY so
# `make run` works; production must set its own keys.
FIELD_ENCRYPTION_KEYS = conf.fernet_keys("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is off")
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = conf.url("CELERY_BROKER_URL", None, conf.BROKER_SCHEMES)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"  # a host keeps kombu from warning
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task running when the broker connection drops cannot be acknowledged any more: cancel it
# (the broker redelivers it; outbox jobs are leased and idempotent) instead of letting it
# hold a pool process (Celery 6 makes this the default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Publishing to a broker that is down fails within a second or two instead of blocking the
# caller: the outbox rows are committed and the sweep sends them again.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0.2,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Workers log through LOGGING (JSON, request id) instead of Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Calendar: poll free/busy (push covers the watched calendar), renew push channels.
    "calendar-refresh-busy": {"task": "integrations.calendar.refresh_busy", "schedule": 600.0},
    "calendar-renew-channels": {"task": "integrations.calendar.renew_channels", "schedule": 3600.0},
}

# Waitlist: how long a freed slot stays held for the person it was offered to.
WAITLIST_HOLD_MINUTES = conf.positive_int("WAITLIST_HOLD_MINUTES", 15)

# Email: console by default; EMAIL_URL (smtp://…) or an anymail ESP in production.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Meetings <meetings@example.com>")
EMAIL_URL = conf.url("EMAIL_URL", None, {"smtp", "smtps", "submission", "consolemail", "dummymail"})
if EMAIL_URL:
    globals().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = (
        env.str("EMAIL_BACKEND", default="") or "django.core.mail.backends.console.EmailBackend"
    )
if not DEBUG and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    # The console prints manage links and personal data into the logs.
    raise ImproperlyConfigured(
        "EMAIL_URL (smtp://…) or EMAIL_BACKEND (an anymail ESP) must be set when DJANGO_DEBUG "
        "is off: the console email backend would print manage links into the logs"
    )
ANYMAIL = {k[len("ANYMAIL_") :]: v for k, v in env.ENVIRON.items() if k.startswith("ANYMAIL_")}
# Optional SMTP fallback (design 002): used when the ESP refuses a message or its circuit is
# open. smtp://user:pass@host:587 (STARTTLS) or smtps://…:465.
EMAIL_FALLBACK_URL = conf.url("EMAIL_FALLBACK_URL", None, {"smtp", "smtps", "submission"})

# Providers: each is on only when its credentials are set.
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
GOOGLE_REDIRECT_URI = (
    env.str("GOOGLE_REDIRECT_URI", default="") or f"{BASE_URL}/integrations/google/callback/"
)
if bool(GOOGLE_CLIENT_ID) != bool(GOOGLE_CLIENT_SECRET):
    raise ImproperlyConfigured("GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together")
# Endpoints are settings so tests (and proxies) can point the real client elsewhere.
GOOGLE_API_ENDPOINT = conf.url(
    "GOOGLE_API_ENDPOINT", "https://www.googleapis.com/calendar/v3/", {"http", "https"}
)
GOOGLE_AUTH_URI = conf.url(
    "GOOGLE_AUTH_URI", "https://accounts.google.com/o/oauth2/auth", {"http", "https"}
)
GOOGLE_TOKEN_URI = conf.url(
    "GOOGLE_TOKEN_URI", "https://oauth2.googleapis.com/token", {"http", "https"}
)
GOOGLE_TIMEOUT = env.float("GOOGLE_TIMEOUT", default=10.0)  # seconds, every Google call
GOOGLE_LIVE_CHECK_TIMEOUT = env.float("GOOGLE_LIVE_CHECK_TIMEOUT", default=2.0)
# Push notifications need a public HTTPS address; without one, polling alone keeps busy time.
GOOGLE_PUSH_ADDRESS = (
    env.str("GOOGLE_PUSH_ADDRESS", default="") or f"{BASE_URL}/integrations/google/notifications/"
)
CALENDAR_SYNC_DAYS = conf.positive_int("CALENDAR_SYNC_DAYS", 60)
# Service-account mode: one shared company calendar instead of per-seller OAuth.
GOOGLE_SERVICE_ACCOUNT_FILE = env.str("GOOGLE_SERVICE_ACCOUNT_FILE", default="")
GOOGLE_SHARED_CALENDAR_ID = env.str("GOOGLE_SHARED_CALENDAR_ID", default="")
# Domain-wide delegation: the Workspace user the service account acts as (attendees, Meet).
GOOGLE_IMPERSONATE_USER = env.str("GOOGLE_IMPERSONATE_USER", default="")
if bool(GOOGLE_SERVICE_ACCOUNT_FILE) != bool(GOOGLE_SHARED_CALENDAR_ID):
    raise ImproperlyConfigured(
        "GOOGLE_SERVICE_ACCOUNT_FILE and GOOGLE_SHARED_CALENDAR_ID must be set together"
    )
if GOOGLE_SERVICE_ACCOUNT_FILE and not Path(GOOGLE_SERVICE_ACCOUNT_FILE).is_file():
    raise ImproperlyConfigured(
        f"GOOGLE_SERVICE_ACCOUNT_FILE={GOOGLE_SERVICE_ACCOUNT_FILE!r} is not a readable file"
    )
HUBSPOT_ACCESS_TOKEN = env.str("HUBSPOT_ACCESS_TOKEN", default="")
PIPEDRIVE_API_TOKEN = env.str("PIPEDRIVE_API_TOKEN", default="")
PIPEDRIVE_COMPANY_DOMAIN = env.str("PIPEDRIVE_COMPANY_DOMAIN", default="")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
# CRM, video and SMS adapters (integrations/crm, video, sms). *_API_URL overrides exist so
# tests can point the real clients at local fakes; empty means the provider's own host.
PROVIDER_TIMEOUT = env.float("PROVIDER_TIMEOUT", default=10.0)
PIPEDRIVE_API_URL = env.str("PIPEDRIVE_API_URL", default="")
PIPEDRIVE_PIPELINE_ID = env.int("PIPEDRIVE_PIPELINE_ID", default=None)
PIPEDRIVE_STAGE_ID = env.int("PIPEDRIVE_STAGE_ID", default=None)
# HTTP basic auth credentials set on Pipedrive's webhook (deal won/lost back to bookings).
PIPEDRIVE_WEBHOOK_USER = env.str("PIPEDRIVE_WEBHOOK_USER", default="")
PIPEDRIVE_WEBHOOK_PASSWORD = env.str("PIPEDRIVE_WEBHOOK_PASSWORD", default="")
HUBSPOT_API_URL = env.str("HUBSPOT_API_URL", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="")

# Reminders and two-way SMS (bookings.reminders; docs/operations.md "Reminders and SMS").
# No SMS between these local hours of the prospect (HH:MM-HH:MM), except within
# SMS_QUIET_HOURS_EXEMPT minutes of the meeting.
SMS_QUIET_HOURS = env.str("SMS_QUIET_HOURS", default="21:00-08:00")
SMS_QUIET_HOURS_EXEMPT = env.int("SMS_QUIET_HOURS_EXEMPT", default=120)
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=200)
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=300)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
OUTCOME_LINK_MAX_AGE_DAYS = env.int("OUTCOME_LINK_MAX_AGE_DAYS", default=14)
ZOOM_ACCOUNT_ID = env.str("ZOOM_ACCOUNT_ID", default="")
ZOOM_CLIENT_ID = env.str("ZOOM_CLIENT_ID", default="")
ZOOM_CLIENT_SECRET = env.str("ZOOM_CLIENT_SECRET", default="")
ZOOM_API_URL = env.str("ZOOM_API_URL", default="https://api.zoom.us/v2")
ZOOM_OAUTH_URL = env.str("ZOOM_OAUTH_URL", default="https://zoom.us")
MS_TENANT_ID = env.str("MS_TENANT_ID", default="")
MS_CLIENT_ID = env.str("MS_CLIENT_ID", default="")
MS_CLIENT_SECRET = env.str("MS_CLIENT_SECRET", default="")
MS_GRAPH_URL = env.str("MS_GRAPH_URL", default="https://graph.microsoft.com/v1.0")
# A user (UPN) check_providers looks up to probe the Teams application access policy.
MS_CHECK_USER = env.str("MS_CHECK_USER", default="")
MS_AUTHORITY_URL = env.str("MS_AUTHORITY_URL", default="https://login.microsoftonline.com")
# Outlook / Microsoft 365 calendars: one multi-tenant app registration, per-seller delegated
# OAuth (docs/operations.md#outlook). OUTLOOK_TENANT: "organizations", "common" or a tenant id.
OUTLOOK_CLIENT_ID = env.str("OUTLOOK_CLIENT_ID", default="")
OUTLOOK_CLIENT_SECRET = env.str("OUTLOOK_CLIENT_SECRET", default="")
OUTLOOK_TENANT = env.str("OUTLOOK_TENANT", default="") or "organizations"
OUTLOOK_REDIRECT_URI = (
    env.str("OUTLOOK_REDIRECT_URI", default="") or f"{BASE_URL}/integrations/outlook/callback/"
)
OUTLOOK_PUSH_ADDRESS = (
    env.str("OUTLOOK_PUSH_ADDRESS", default="") or f"{BASE_URL}/integrations/outlook/notifications/"
)
JITSI_DOMAIN = env.str("JITSI_DOMAIN", default="")
WHEREBY_API_KEY = env.str("WHEREBY_API_KEY", default="")
WHEREBY_API_URL = env.str("WHEREBY_API_URL", default="https://api.whereby.dev/v1")
WHEREBY_ROOM_MODE = env.str("WHEREBY_ROOM_MODE", default="normal")
# Outbound webhooks (webhooks app, integrations/webhooks): receivers on loopback, private or
# link-local addresses only when allowed; a subscription failing this long is turned off.
WEBHOOK_ALLOW_PRIVATE_URLS = conf.boolean("WEBHOOK_ALLOW_PRIVATE_URLS", False)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_DISABLE_AFTER_HOURS = conf.positive_int("WEBHOOK_DISABLE_AFTER_HOURS", 24)
WEBHOOK_MAX_ATTEMPTS = conf.positive_int("WEBHOOK_MAX_ATTEMPTS", 50)

# Booking rules defaults (a meeting type may override them).
MAX_BOOKINGS_PER_EMAIL = conf.positive_int("MAX_BOOKINGS_PER_EMAIL", 3)
FREQUENCY_WINDOW_DAYS = conf.positive_int("FREQUENCY_WINDOW_DAYS", 30)
MANAGE_TOKEN_GRACE = timedelta(days=conf.positive_int("MANAGE_TOKEN_GRACE_DAYS", 7))
PUBLIC_THROTTLE_RATE = conf.throttle_rate("PUBLIC_THROTTLE_RATE", "120/min")
# Abuse limits on booking (every attempt counts, answered 429 rate_limited past them).
BOOKING_RATE_PER_IP = conf.throttle_rate("BOOKING_RATE_PER_IP", "20/hour")
BOOKING_RATE_PER_PAGE = conf.throttle_rate("BOOKING_RATE_PER_PAGE", "2000/hour")
# A prospect's booking counts only once they follow the emailed link within the minutes
# (bookings.services.confirmation); until then it holds its time.
BOOKING_EMAIL_CONFIRMATION = conf.boolean("BOOKING_EMAIL_CONFIRMATION", False)
BOOKING_CONFIRMATION_MINUTES = conf.positive_int("BOOKING_CONFIRMATION_MINUTES", 30)

# The `scored` routing strategy: the scorer (dotted path) and its time limit in seconds;
# past it, or on an error, routing falls back to round robin (docs/operations.md).
ROUTING_SCORER = env.str("ROUTING_SCORER", default="routing.scoring.metric_scorer")
ROUTING_SCORER_TIMEOUT = env.float("ROUTING_SCORER_TIMEOUT", default=0.5)

# Waitlist monitoring of external calendars (seed design 003). With DISABLE_INTERNAL_CRONS
# the beat entry is switched off and an external scheduler calls
# POST /api/cron/waitlist-check with "Authorization: Bearer <CRON_SECRET>" (no secret: the
# endpoint refuses every call).
DISABLE_INTERNAL_CRONS = conf.boolean("DISABLE_INTERNAL_CRONS", False)
CRON_SECRET = env.str("CRON_SECRET", default="")
WAITLIST_TICK_LIMIT = conf.positive_int("WAITLIST_TICK_LIMIT", 5000)  # slots per tick

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.NumberedPages",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "public": PUBLIC_THROTTLE_RATE,
        "booking_ip": BOOKING_RATE_PER_IP,
        "booking_page": BOOKING_RATE_PER_PAGE,
    },
    # How many proxies sit in front (X-Forwarded-For is trusted only when this is set).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Largest JSON body the API reads (bytes); a bigger one answers 413.
API_MAX_BODY_BYTES = conf.positive_int("API_MAX_BODY_BYTES", 1_000_000)
# API tokens (django-rest-knox): stored as SHA-512 digests, shown once when made
# (`manage.py create_api_token USER` or the admin). 0 days = no expiry.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=0)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS) if API_TOKEN_TTL_DAYS > 0 else None,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meetroute API",
    "DESCRIPTION": "Public booking API and authenticated configuration API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The contract is JSON in: the schema offers no form encodings (they cannot carry null
    # or an empty list, so a client following them would be refused).
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Several models have a "status": each its own enum name.
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "bookings.models.BookingStatus",
        "WaitlistEntryStatusEnum": "waitlist.models.WaitlistEntry.Status",
        "WaitlistSlotStatusEnum": "waitlist.models.WaitlistSlot.Status",
    },
}

# Logs: JSON, one object per line (LOG_FORMAT=plain for reading by eye), each with the
# request id, manage tokens redacted (config/logs.py). gunicorn's lines too (config/gunicorn.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not valid: expected json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logs.RequestIdFilter"},
        "redact": {"()": "config.logs.RedactTokensFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own handlers for these would print a second, unfiltered line (with tokens).
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "axes.apps": {"level": "WARNING"},  # its start-up banner, in every process
    },
}

# Content-Security-Policy (django-csp): our own files only; inline <style>/<script> need
# the per-response nonce ({{ request.csp_nonce }}).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "https:"],  # pages may show a logo from their own site
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Production transport security (`manage.py check --deploy` passes with the defaults).
# TLS ends at the proxy: SECURE_PROXY_HEADER names the header it sets to "https".
SECURE_PROXY_HEADER = env.str("SECURE_PROXY_HEADER", default="X-Forwarded-Proto")
if SECURE_PROXY_HEADER:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + SECURE_PROXY_HEADER.upper().replace("-", "_"),
        "https",
    )
SECURE_SSL_REDIRECT = conf.boolean("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = conf.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = conf.boolean("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = conf.boolean("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
