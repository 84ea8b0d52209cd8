"""What the Django benchmarks share: a production-like environment and a migrated database.

DEBUG is off (no query log kept per request), so the environment carries its own keys; the
database is created and migrated when missing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]


def configure(*, database_url: str, redis_url: str, **extra: str) -> None:
    """Environment defaults for a benchmark; what the caller's environment sets wins."""
    sys.path.insert(0, str(ROOT))
    defaults = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "PUBLIC_THROTTLE_RATE": "off",
        "BOOKING_RATE_PER_IP": "off",  # every load client books from 127.0.0.1
        "BOOKING_RATE_PER_PAGE": "off",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production",
        # Production settings refuse the console backend (it would log manage links).
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback, no TLS proxy in front
        "FIELD_ENCRYPTION_KEYS": "YmVuY2gtb25seS1rZXktMzItYnl0ZXMtbG9uZyEhISE=",
        **extra,
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def ensure_database() -> None:
    """CREATE DATABASE when the benchmark database does not exist yet."""
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    if url.scheme not in {"postgres", "postgresql", "pgsql"}:
        return
    name = url.path.lstrip("/")
    admin = url._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
