"""Values of Redis keys under one prefix that this process has read, trusted until Redis
says they changed: server-assisted client-side caching in broadcast mode
(https://redis.io/docs/latest/develop/reference/client-side-caching/, `CLIENT TRACKING`).

One connection per process asks Redis, with ``CLIENT TRACKING ON REDIRECT <itself> BCAST
PREFIX <prefix>``, to report every key under the prefix that is written, deleted, expired
or evicted, and subscribes to the ``__redis__:invalidate`` channel those reports go to
(RESP2; a flush is reported as a null list of keys). Nothing reads that connection in the
background: a caller drains what has arrived (a non-blocking poll) before it trusts a
value, so a report already delivered is always applied first.

What it guarantees: a value is served only while no report of a change to its key has
reached this process, and this process's own writes (`forget`) are seen at once. A write
by another process is seen as soon as its report arrives: Redis sends it in the same pass
of its event loop as the reply to the writer, so a read that follows the write by way of
the writer (its answer, then a new request) sees it; only a read racing the report's
delivery (a lost packet on the way to this process, say) may still get the value from
just before the write, as a read a moment earlier would have.

Anything unexpected on the tracking connection (Redis restarted, the connection killed,
`CLIENT` refused) forgets every value and falls back to asking Redis each time; a new
connection is tried after `RETRY_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from integrations import shared_cache

logger = logging.getLogger(__name__)

CHANNEL = b"__redis__:invalidate"
RETRY_SECONDS = 5.0


class TrackedKeys:
    """Known current values of the Redis keys under ``prefix`` (full Redis key names)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._lock = threading.Lock()
        self._values: dict[bytes, bytes] = {}
        # Moves on with every report and own write: a fetch that saw it move while its
        # MGET was on the wire may hold a value from before the change, and keeps nothing.
        self._generation = 0
        self._connection: Any = None
        self._pool: Any = None  # the client's pool the connection was opened for
        self._pid = 0
        self._retry_at = 0.0

    def values(self, client: Any, names: Sequence[bytes]) -> list[bytes | None]:
        """The current values of ``names`` (None: no such key): from memory when every one
        is known and still tracked, else one MGET, whose answer is remembered."""
        with self._lock:
            generation = self._generation if self._listening(client) else None
            if generation is not None:
                known = self._values
                if all(name in known for name in names):
                    return [known[name] for name in names]
        found: list[bytes | None] = client.mget(names)
        if generation is not None:
            with self._lock:
                if generation == self._generation:
                    self._values.update(
                        (name, value)
                        for name, value in zip(names, found, strict=True)
                        if value is not None
                    )
        return found

    def forget(self, names: Sequence[bytes]) -> None:
        """This process has just written ``names``: read them from Redis next time."""
        with self._lock:
            self._generation += 1
            for name in names:
                self._values.pop(name, None)

    def clear(self) -> None:
        """Forget every value (tests: each starts from what Redis holds)."""
        with self._lock:
            self._generation += 1
            self._values.clear()

    def _listening(self, client: Any) -> bool:
        """Apply the reports that have arrived; False when none can be trusted. Under the
        lock."""
        if self._connection is not None and (
            self._pool is not client.connection_pool or self._pid != os.getpid()
        ):
            self._close()  # another Redis (tests' settings), or a forked child
        if self._connection is None:
            if time.monotonic() < self._retry_at:
                return False
            self._open(client)
            if self._connection is None:
                return False
        try:
            while self._connection.can_read(timeout=0):
                self._apply(self._connection.read_response())
        except shared_cache.ERRORS as exc:
            logger.info("tracked keys %s: connection lost (%s)", self.prefix, exc)
            self._close()
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        return True

    def _apply(self, message: Any) -> None:
        kind, channel, keys = message[0], message[1], message[2]
        if kind != b"message" or channel != CHANNEL:
            return
        self._generation += 1
        if keys is None:  # FLUSHDB / FLUSHALL
            self._values.clear()
        else:
            for key in keys:
                self._values.pop(key, None)

    def _open(self, client: Any) -> None:
        pool = client.connection_pool
        connection = pool.connection_class(
            **{**pool.connection_kwargs, "protocol": 2, "client_name": "meetroute-tracking"}
        )
        try:
            connection.connect()
            connection.send_command("CLIENT", "ID")
            own_id = connection.read_response()
            connection.send_command(
                "CLIENT", "TRACKING", "ON", "REDIRECT", own_id, "BCAST", "PREFIX", self.prefix
            )
            connection.read_response()
            connection.send_command("SUBSCRIBE", CHANNEL)
            connection.read_response()
        except shared_cache.ERRORS as exc:
            connection.disconnect()
            logger.info("tracked keys %s: cannot track (%s); asking Redis", self.prefix, exc)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return
        self._connection, self._pool, self._pid = connection, pool, os.getpid()
        self._values.clear()
        self._generation += 1

    def _close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.disconnect()
        self._connection = self._pool = None
        self._values.clear()
        self._generation += 1
