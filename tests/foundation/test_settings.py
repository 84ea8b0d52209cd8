"""Settings fail fast: a malformed variable stops start-up with a message naming it."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parents[2]
# Fixed, not generated: it is part of a test id, which every xdist worker must collect alike.
GOOD_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


def clean_env(**variables: str) -> dict[str, str]:
    """Only what Python needs, plus ``variables``: nothing leaks in from the test run."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(BASE_DIR),
        **variables,
    }


def start(**variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DATABASE_URL": "mysql-ish://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://"}, "REDIS_URL"),
        ({"CELERY_BROKER_URL": "ftp://broker"}, "CELERY_BROKER_URL"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"PUBLIC_THROTTLE_RATE": "lots"}, "PUBLIC_THROTTLE_RATE"),
        ({"PUBLIC_THROTTLE_RATE": "120/fortnight"}, "PUBLIC_THROTTLE_RATE"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"FIELD_ENCRYPTION_KEYS": "not-a-key"}, "FIELD_ENCRYPTION_KEYS"),
        ({"MAX_BOOKINGS_PER_EMAIL": "0"}, "MAX_BOOKINGS_PER_EMAIL"),
        ({"DJANGO_DEBUG": "false", "FIELD_ENCRYPTION_KEYS": GOOD_KEY}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "s3cret"}, "FIELD_ENCRYPTION_KEYS"),
        (
            {
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": "s3cret",
                "FIELD_ENCRYPTION_KEYS": GOOD_KEY,
            },
            "EMAIL_URL",
        ),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ],
    # Variable names, not values: a generated key in an id differs between xdist workers.
    ids=lambda value: value if isinstance(value, str) else "-".join(value)[:60],
)
def test_settings_bad_value_stops_startup_naming_it(variables, named) -> None:
    result = start(**variables)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def test_settings_good_production_environment_starts() -> None:
    result = start(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-long-production-secret",
        FIELD_ENCRYPTION_KEYS=f"{GOOD_KEY},{Fernet.generate_key().decode()}",
        DATABASE_URL="postgres://app:pw@db.internal:5432/meetroute",
        REDIS_URL="redis://cache.internal:6379/0",
        CELERY_BROKER_URL="redis://cache.internal:6379/1",
        EMAIL_URL="smtp://mailer:pw@smtp.internal:587",
        DEFAULT_TIMEZONE="America/Lima",
        PUBLIC_THROTTLE_RATE="off",
    )

    assert (result.returncode, result.stderr) == (0, "")


def test_settings_empty_environment_starts_on_embedded_default() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
            "s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)",
        ],
        cwd=BASE_DIR,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (result.returncode, result.stdout.split()) == (
        0,
        [
            "django.db.backends.sqlite3",
            "django.core.cache.backends.locmem.LocMemCache",
            "True",
            "django.core.mail.backends.console.EmailBackend",
        ],
    )
