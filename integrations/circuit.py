"""A circuit breaker per provider, its state shared by every worker and web process.

    breaker = CircuitBreaker("calendar")
    if breaker.allow():
        try:
            call_the_provider()
        except ProviderTransientError:
            breaker.record_failure()
        else:
            breaker.record_success()

States: *closed* (calls go through) → after ``CIRCUIT_FAILURE_THRESHOLD`` consecutive
failures *open* for ``CIRCUIT_COOLDOWN_SECONDS`` (calls are skipped) → *half-open*: exactly
one trial call goes through (an atomic ``SET NX`` on a trial key that expires after
``CIRCUIT_TRIAL_SECONDS`` in case its caller dies) → success closes, failure re-opens.

State lives in Redis (the ``default`` django-redis connection) or, without Redis, in the
Django cache (per process: enough for the embedded default). If Redis cannot be reached the
breaker allows the call (fails open): a broken breaker must not stop the outbox. Redis is
reached through ``shared_cache.guard``, so once it failed the breakers skip it (with every
other caller of the process) for a short back-off, and the outage is logged once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache

from integrations import shared_cache

logger = logging.getLogger(__name__)

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class _Store(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: int) -> None: ...
    def add(self, key: str, value: str, ttl: int) -> bool: ...
    def incr(self, key: str, ttl: int) -> int: ...
    def delete(self, *keys: str) -> None: ...


class _RedisStore:
    """Raw Redis commands: ``SET NX PX`` and ``INCR`` are atomic across processes."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, key: str) -> str | None:
        value = self.client.get(key)
        return value.decode() if isinstance(value, bytes) else value

    def set(self, key: str, value: str, ttl: int) -> None:
        self.client.set(key, value, ex=ttl)

    def add(self, key: str, value: str, ttl: int) -> bool:
        return bool(self.client.set(key, value, nx=True, ex=ttl))

    def incr(self, key: str, ttl: int) -> int:
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, ttl)
        count, _ = pipe.execute()
        return int(count)

    def delete(self, *keys: str) -> None:
        self.client.delete(*keys)


class _CacheStore:
    """The Django cache, for the embedded default (local memory, one process)."""

    def get(self, key: str) -> str | None:
        return cache.get(key)

    def set(self, key: str, value: str, ttl: int) -> None:
        cache.set(key, value, ttl)

    def add(self, key: str, value: str, ttl: int) -> bool:
        return cache.add(key, value, ttl)

    def incr(self, key: str, ttl: int) -> int:
        cache.add(key, 0, ttl)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, ttl)
            return 1

    def delete(self, *keys: str) -> None:
        cache.delete_many(keys)


def _store() -> _Store:
    redis = shared_cache.client()
    return _CacheStore() if redis is None else _RedisStore(redis)


class CircuitBreaker:
    """The breaker of one provider; instances with the same name share their state."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.threshold = int(_setting("CIRCUIT_FAILURE_THRESHOLD", 5))
        self.cooldown = _setting("CIRCUIT_COOLDOWN_SECONDS", 60)
        self.trial_seconds = int(_setting("CIRCUIT_TRIAL_SECONDS", 60))
        # Failures further apart than this are not "consecutive" any more.
        self.failure_window = int(_setting("CIRCUIT_FAILURE_WINDOW_SECONDS", 600))
        self._failures_key = cache.make_key(f"circuit:{name}:failures")
        self._open_until_key = cache.make_key(f"circuit:{name}:open_until")
        self._trial_key = cache.make_key(f"circuit:{name}:trial")

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r})"

    # --- what callers use ------------------------------------------------------------
    def allow(self) -> bool:
        """True when a call may go through. In half-open, True for exactly one caller."""
        try:
            with shared_cache.guard(f"circuit {self.name}"):
                store = _store()
                open_until = self._open_until(store)
                if open_until is None:
                    return True
                if time.time() < open_until:
                    return False
                return store.add(self._trial_key, "1", self.trial_seconds)
        except shared_cache.Unavailable:
            return True

    def record_success(self) -> None:
        """Close the circuit: forget failures, the open state and any trial."""
        try:
            with shared_cache.guard(f"circuit {self.name}"):
                _store().delete(self._failures_key, self._open_until_key, self._trial_key)
        except shared_cache.Unavailable:
            pass  # nothing to forget in a store nobody can read

    def record_failure(self) -> None:
        """Count a failure; open the circuit at the threshold, re-open it after a failed trial."""
        try:
            with shared_cache.guard(f"circuit {self.name}"):
                store = _store()
                open_until = self._open_until(store)
                if open_until is not None and time.time() >= open_until:
                    self._open(store)  # the half-open trial failed
                    return
                failures = store.incr(self._failures_key, self.failure_window)
                if failures >= self.threshold and open_until is None:
                    self._open(store)
                    logger.warning(
                        "circuit %s opened after %d consecutive failures", self, failures
                    )
        except shared_cache.Unavailable:
            logger.info("circuit %s: failure not counted, its store is unreachable", self)

    def state(self) -> str:
        """closed, open or half_open (for the admin and tests)."""
        try:
            with shared_cache.guard(f"circuit {self.name}"):
                open_until = self._open_until(_store())
        except shared_cache.Unavailable:
            return CLOSED
        if open_until is None:
            return CLOSED
        return OPEN if time.time() < open_until else HALF_OPEN

    def retry_at(self) -> dt.datetime:
        """When a skipped call is worth trying again: the end of the cool-down, or, when
        another caller holds the half-open trial, once that trial has had its time."""
        try:
            with shared_cache.guard(f"circuit {self.name}"):
                open_until = self._open_until(_store())
        except shared_cache.Unavailable:
            open_until = None
        now = time.time()
        at = open_until if open_until is not None and open_until > now else now + self.trial_seconds
        return dt.datetime.fromtimestamp(at, tz=dt.UTC)

    def reset(self) -> None:
        """Forget all state (tests, ops)."""
        self.record_success()

    # --- internals -------------------------------------------------------------------
    def _open_until(self, store: _Store) -> float | None:
        value = store.get(self._open_until_key)
        return float(value) if value is not None else None

    def _open(self, store: _Store) -> None:
        until = time.time() + self.cooldown
        # Kept well past the cool-down so the breaker goes half-open, not silently closed.
        store.set(self._open_until_key, repr(until), int(self.cooldown) + 86400)
        store.delete(self._trial_key)
