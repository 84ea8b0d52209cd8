"""The short ``seller:start`` lock taken before inserting a booking.

It is only the cheap first filter (the database's exclusion constraint decides): Redis
``SET NX PX`` with a random owner, released by that owner only (compare-and-delete in Lua).
When Redis cannot be reached the ``SlotLock`` table takes its place: a row per key, whose
expired rows anyone may reclaim. Like ``SET NX``, taking the row never waits for another
taker (see ``_try_db``), so a race without Redis ends as fast as one with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from bookings.models import SlotLock
from integrations import shared_cache

logger = logging.getLogger(__name__)

LOCK_TTL_MS = 10_000
WAIT_STEP_S = 0.02

RELEASE_LUA = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""


def lock_key(seller_id: object, start: dt.datetime) -> str:
    return f"lock:seller:{seller_id}:{start.astimezone(dt.UTC):%Y%m%dT%H%M%S}"


@dataclass
class Lock:
    key: str
    owner: str
    backend: str = ""  # "redis" | "db" | "" (not held)

    @property
    def acquired(self) -> bool:
        return bool(self.backend)


def _try_redis(lock: Lock, ttl_ms: int) -> bool | None:
    """True/False: Redis answered; None: no Redis (the embedded default), or it is down
    (``shared_cache``: skipped at once while marked down)."""
    try:
        with shared_cache.guard("slot lock"):
            client = shared_cache.client()
            if client is None:
                return None
            return bool(client.set(lock.key, lock.owner, nx=True, px=ttl_ms))
    except shared_cache.Unavailable:
        return None  # the SlotLock table takes its place


def _taker_in_flight(key: str) -> bool:
    """True when another transaction is taking or holding ``key``'s row right now.

    Inside a transaction the row stays invisible to others until commit, and a concurrent
    insert of the same key would wait for that whole transaction (a booking's), or
    deadlock with it when two racers take two sellers' keys in opposite orders. A
    transaction-level advisory lock on the key, tried without waiting, says "taken" at
    once instead. SQLite has one writer at a time: nobody else can be in flight there.
    """
    if connection.vendor != "postgresql":
        return False
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )
        return not cursor.fetchone()[0]


def _try_db(lock: Lock, ttl_ms: int) -> bool:
    """Insert the key's row; an expired row (its owner died) is reclaimed first. Never
    waits for another taker (``_taker_in_flight``): a key someone is taking is "not
    acquired", as a key someone holds is (its row is there: the insert fails at once).
    """
    now = timezone.now()
    try:
        if _taker_in_flight(lock.key):
            return False
        with transaction.atomic():
            SlotLock.objects.filter(key=lock.key, expires_at__lt=now).delete()
            SlotLock.objects.create(
                key=lock.key, owner=lock.owner, expires_at=now + dt.timedelta(milliseconds=ttl_ms)
            )
    except IntegrityError:
        return False
    except DatabaseError:
        logger.warning("slot lock: fallback row for %s not taken", lock.key, exc_info=True)
        return False
    return True


def try_acquire(lock: Lock, ttl_ms: int = LOCK_TTL_MS) -> bool:
    """One attempt; sets ``lock.backend`` when it is held."""
    got = _try_redis(lock, ttl_ms)
    if got is None:
        if _try_db(lock, ttl_ms):
            lock.backend = "db"
        return lock.acquired
    if got:
        lock.backend = "redis"
    return lock.acquired


def acquire(lock: Lock, *, wait_s: float = 0.0, ttl_ms: int = LOCK_TTL_MS) -> bool:
    """Try to take ``lock``, polling for up to ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    while not try_acquire(lock, ttl_ms):
        if time.monotonic() >= deadline:
            return False
        time.sleep(WAIT_STEP_S)
    return True


def release(lock: Lock) -> None:
    """Give the lock back if we still own it (never someone else's). Never raises."""
    backend, lock.backend = lock.backend, ""
    try:
        if backend == "redis":
            with shared_cache.guard("slot lock"):
                client = shared_cache.client()
                if client is not None:
                    client.eval(RELEASE_LUA, 1, lock.key, lock.owner)
        elif backend == "db":
            SlotLock.objects.filter(key=lock.key, owner=lock.owner).delete()
    except Exception:
        logger.warning("slot lock: could not release %s (it expires by itself)", lock.key)


@contextmanager
def slot_lock(seller_id: object, start: dt.datetime, *, wait_s: float = 0.0) -> Iterator[Lock]:
    """Hold ``seller:start`` for the block if it can be had; check ``.acquired``."""
    lock = Lock(key=lock_key(seller_id, start), owner=uuid.uuid4().hex)
    acquire(lock, wait_s=wait_s)
    try:
        yield lock
    finally:
        if lock.acquired:
            release(lock)
