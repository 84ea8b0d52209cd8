"""Test settings: the real PostgreSQL and Redis of this machine (override with the env)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meetroute")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_DEBUG", "true")
# Tests make many requests from one address; throttling tests turn it on themselves.
os.environ.setdefault("PUBLIC_THROTTLE_RATE", "off")
os.environ.setdefault("BOOKING_RATE_PER_IP", "off")
os.environ.setdefault("BOOKING_RATE_PER_PAGE", "off")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405
