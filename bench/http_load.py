"""A small HTTP/1.1 load client on asyncio streams, for `make load` (bench/load.py).

Keep-alive connections to one loopback host, a bounded number of requests and a time
limit per scenario; each response is read whole (Content-Length or chunked) and timed from
the first byte sent to the last byte read. No third-party client: the figures should
measure the server, and this is all the protocol the benchmark needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

#: Clients start this many seconds apart, as visitors arrive. Sixteen connects in the same
#: instant let whichever gunicorn worker wakes first accept most of them (a gthread worker
#: accepts all it is offered), and a run then measured that race: the same warm slots
#: scenario gave 1,400 or 3,900 req/s by how the connections happened to fall.
CONNECT_SPACING = 0.005


class Request(NamedTuple):
    """One request to send; `next_request` giving None instead ends a client's work."""

    method: str
    path: str
    body: bytes | None = None  # JSON
    headers: tuple[str, ...] = ()  # extra "Name: value" lines


@dataclass
class Result:
    """What one scenario measured."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int | str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        """Failed requests: connection errors and any status but 2xx / 304."""
        return sum(n for code, n in self.statuses.items() if not _succeeded(code))

    @property
    def rate(self) -> float:
        """Requests answered per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        done, rate = len(self.latencies), self.rate
        p50 = statistics.median(self.latencies) * 1000 if done else 0.0
        p99 = _percentile(self.latencies, 0.99) * 1000 if done else 0.0
        codes = " ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items(), key=str))
        return (
            f"{self.name:<34} {done:>6} {rate:>9.1f} {p50:>8.1f} {p99:>8.1f} "
            f"{self.errors:>6}  {codes}"
        )


HEADER = (
    f"{'scenario':<34} {'reqs':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  statuses"
)


def _succeeded(code: int | str) -> bool:
    return isinstance(code, int) and (200 <= code < 300 or code == 304)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Connection:
    """One keep-alive HTTP/1.1 connection; reopens itself after the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, request: Request) -> int:
        """Send one request and read the whole answer; returns the status code."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        method, path, body, extra = request
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", *extra]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        await self.writer.drain()
        status, headers = await self._read_head()
        await self._read_body(headers, method, status)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status

    async def _read_head(self) -> tuple[int, dict[str, str]]:
        assert self.reader is not None
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return status, headers

    async def _read_body(self, headers: dict[str, str], method: str, status: int) -> None:
        assert self.reader is not None
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")  # no trailers from our servers
        elif "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        else:  # delimited by the server closing the connection
            await self.reader.read()
            await self.close()

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def always(request: Request) -> Callable[[int], Request]:
    """`next_request` that sends the same request every time."""
    return lambda _: request


async def run(
    name: str,
    port: int,
    next_request: Callable[[int], Request | None],
    *,
    connections: int,
    total: int,
    seconds: float,
) -> Result:
    """`connections` clients send requests `next_request(0)`, `next_request(1)`, … until
    `total` are sent, `next_request` gives None, or `seconds` have passed."""
    result = Result(name)
    sent = 0
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        nonlocal sent
        connection = Connection("127.0.0.1", port)
        await asyncio.sleep(index * CONNECT_SPACING)
        try:
            while sent < total and time.perf_counter() < deadline:
                request = next_request(sent)
                if request is None:
                    return
                sent += 1
                began = time.perf_counter()
                try:
                    status: int | str = await connection.request(request)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    status = type(exc).__name__
                    await connection.close()
                result.latencies.append(time.perf_counter() - began)
                result.statuses[status] += 1
        finally:
            await connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(connections)))
    result.seconds = time.perf_counter() - began
    return result
