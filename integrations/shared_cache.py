"""The one guarded way to the shared cache (Redis, through django-redis) for callers that
must keep working while it is down: the slot cache, the public throttle, the slot lock and
the circuit breakers.

    try:
        with shared_cache.guard("slot cache"):
            value = cache.get(key)
    except shared_cache.Unavailable:
        value = None  # work without it

The first connection error marks Redis down for this whole process for
``REDIS_DOWN_SECONDS``: until then every guarded block is refused at once, without a
connection attempt, instead of each caller waiting out its socket timeout (with a host
that drops packets, that is ``REDIS_CONNECT_TIMEOUT`` per call). After the back-off one
caller tries again; a success clears the mark. One warning when Redis goes down, one line
when it answers again, however many calls were skipped in between.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What "Redis did not answer" looks like: the raw client's errors, django-redis's wrapper
# of them (cache.get and friends), and socket errors from either.
ERRORS: tuple[type[BaseException], ...] = (RedisError, ConnectionInterrupted, OSError)

_lock = threading.Lock()
_down_until = 0.0  # time.monotonic() before which guarded calls are refused
_down = False  # in a down period (from the first failure to the next success)


class Unavailable(Exception):
    """Redis is marked down (nothing was attempted) or has just failed."""


def is_down() -> bool:
    return time.monotonic() < _down_until


def client() -> Any | None:
    """The raw ``redis.Redis`` of the default cache, or None when the cache is not Redis
    (the embedded default's local memory). Call it inside ``guard``."""
    if not settings.CACHES["default"]["BACKEND"].startswith("django_redis."):
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


@contextmanager
def guard(what: str) -> Iterator[None]:
    """Run the block against Redis unless it is marked down.

    Raises ``Unavailable`` at once while it is marked down, and when the block fails with a
    Redis or socket error (then it marks Redis down for every caller of this process).
    Other errors pass through untouched.
    """
    if is_down():
        raise Unavailable(f"{what}: Redis marked down")
    try:
        yield
    except ERRORS as exc:
        _mark_down(what, exc)
        raise Unavailable(f"{what}: {exc}") from exc
    if _down:
        _mark_up()


def _mark_down(what: str, exc: BaseException) -> None:
    global _down_until, _down
    seconds = float(getattr(settings, "REDIS_DOWN_SECONDS", 5))
    with _lock:
        first = not _down
        _down, _down_until = True, time.monotonic() + seconds
    if first:
        logger.warning(
            "Redis unreachable (%s: %s); skipping it for %.0f s at a time until it answers",
            what,
            exc,
            seconds,
        )


def _mark_up() -> None:
    global _down_until, _down
    with _lock:
        was_down, _down, _down_until = _down, False, 0.0
    if was_down:
        logger.warning("Redis answers again")


@receiver(setting_changed)
def _forget_on_cache_change(*, setting: str, **kwargs: Any) -> None:
    """Another cache (tests' ``override_settings``) is another Redis: forget the mark."""
    global _down_until, _down
    if setting == "CACHES":
        with _lock:
            _down, _down_until = False, 0.0
