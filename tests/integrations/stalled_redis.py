"""A "Redis" that accepts connections and never answers (a hung or overloaded server, the
slow kind of unreachable), counting every connection made to it.

    with StalledRedis() as server:
        settings.CACHES = server.caches()
        ...
        assert server.connections() == 1
"""

from __future__ import annotations

import socket
import threading
from typing import Any


class StalledRedis:
    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> StalledRedis:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._accepted:
            conn.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._accepted.append(conn)  # held open, never read from nor written to

    def connections(self) -> int:
        """Connections made so far (waits for the accept loop to take the queued ones)."""
        idle = 0
        seen = len(self._accepted)
        while idle < 4:  # 4 quiet turns of the 50 ms accept timeout
            self._stop.wait(0.05)
            idle = idle + 1 if len(self._accepted) == seen else 0
            seen = len(self._accepted)
        return seen

    def caches(self, timeout: float = 0.2) -> dict[str, Any]:
        """A CACHES setting pointing the default cache here, with short socket timeouts."""
        return {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{self.port}/0",
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": timeout, "SOCKET_TIMEOUT": timeout},
            }
        }
