"""Settings, read from the environment (see .env.example for every variable).

With no environment at all this is the embedded default: SQLite, local-memory cache, Celery
tasks run eagerly, email to the console, providers off. Setting DATABASE_URL, REDIS_URL and
CELERY_BROKER_URL moves to PostgreSQL, Redis and a real broker.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_countries",
    "anymail",
    "sellers",
    "scheduling",
    "routing",
    "bookings",
    "waitlist",
    "integrations",
    "config",  # the top layer's management commands (seed_demo)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = conf.url("REDIS_URL", None, conf.REDIS_SCHEMES)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="meetroute"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
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
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Calendar: poll free/busy (push covers the watched calendar), renew push channels.
    "calendar-refresh-busy": {"task": "integrations.calendar.refresh_busy", "schedule": 600.0},
    "calendar-renew-channels": {"task": "integrations.calendar.renew_channels", "schedule": 3600.0},
}

# Email: console by default; EMAIL_URL (smtp://…) or an anymail ESP in production.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Meetings <meetings@example.com>")
EMAIL_URL = conf.url("EMAIL_URL", None, {"smtp", "smtps", "submission", "consolemail", "dummymail"})
if EMAIL_URL:
    globals().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = (
        env.str("EMAIL_BACKEND", default="") or "django.core.mail.backends.console.EmailBackend"
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
HUBSPOT_API_URL = env.str("HUBSPOT_API_URL", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="")
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
JITSI_DOMAIN = env.str("JITSI_DOMAIN", default="")
WHEREBY_API_KEY = env.str("WHEREBY_API_KEY", default="")
WHEREBY_API_URL = env.str("WHEREBY_API_URL", default="https://api.whereby.dev/v1")
WHEREBY_ROOM_MODE = env.str("WHEREBY_ROOM_MODE", default="normal")

# Booking rules defaults (a meeting type may override them).
MAX_BOOKINGS_PER_EMAIL = conf.positive_int("MAX_BOOKINGS_PER_EMAIL", 3)
FREQUENCY_WINDOW_DAYS = conf.positive_int("FREQUENCY_WINDOW_DAYS", 30)
MANAGE_TOKEN_GRACE = timedelta(days=conf.positive_int("MANAGE_TOKEN_GRACE_DAYS", 7))
PUBLIC_THROTTLE_RATE = conf.throttle_rate("PUBLIC_THROTTLE_RATE", "120/min")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"public": PUBLIC_THROTTLE_RATE},
    # How many proxies sit in front (X-Forwarded-For is trusted only when this is set).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
    "EXCEPTION_HANDLER": "config.api.exception_handler",
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
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = conf.boolean("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
