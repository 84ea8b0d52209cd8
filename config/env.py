"""Reading the environment so that a bad value stops start-up with a message naming it.

django-environ parses; these helpers add the checks it does not make (URL schemes, IANA
zones, throttle rates, Fernet keys) and always name the variable in the error.
"""

import base64
import binascii
import re
import zoneinfo
from typing import Any, overload
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}
BROKER_SCHEMES = {"amqp", "amqps", "pyamqp", "redis", "rediss", "memory"}
THROTTLE_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def fail(name: str, value: object, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not valid: {why}")


@overload
def url(name: str, default: str, schemes: set[str]) -> str: ...
@overload
def url(name: str, default: None, schemes: set[str]) -> str | None: ...
def url(name: str, default: str | None, schemes: set[str]) -> str | None:
    """The URL in ``name`` (or ``default``), refused unless its scheme is one of ``schemes``."""
    value = env.str(name, default=default)
    if not value:
        return value
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        raise fail(name, value, f"expected a URL starting with one of {sorted(schemes)}")
    if parsed.scheme not in {"sqlite", "memory", "unix"} and not parsed.hostname:
        raise fail(name, value, "the URL has no host")
    return value


def database(name: str, default: str) -> dict[str, Any]:
    value = url(name, default, DATABASE_SCHEMES)
    try:
        return env.db_url_config(value)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise fail(name, value, str(exc)) from exc


def timezone(name: str, default: str) -> str:
    value = env.str(name, default=default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(name, value, "not an IANA timezone name such as 'America/Lima'") from exc
    return value


def positive_int(name: str, default: int) -> int:
    try:
        value = env.int(name, default=default)
    except ValueError as exc:
        raise fail(name, env.str(name), "expected a whole number") from exc
    if value < 1:
        raise fail(name, value, "expected a number of at least 1")
    return value


def boolean(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise fail(name, raw, "expected true or false")


def throttle_rate(name: str, default: str) -> str | None:
    """A DRF rate such as ``120/min``; ``off`` turns throttling off (returns None)."""
    value = env.str(name, default=default).strip()
    if value.lower() == "off":
        return None
    if not THROTTLE_RATE.match(value):
        raise fail(name, value, "expected a rate such as '120/min' or 'off'")
    return value


def fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys, newest first (the first one encrypts, all decrypt)."""
    keys = [k.strip() for k in env.list(name, default=[]) if k.strip()]
    for key in keys:
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError) as exc:
            raise fail(
                name, "…", "each key must be url-safe base64 (Fernet.generate_key())"
            ) from exc
        if len(raw) != 32:
            raise fail(name, "…", "each key must decode to 32 bytes (Fernet.generate_key())")
    return keys
