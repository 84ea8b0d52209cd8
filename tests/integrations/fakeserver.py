"""A local HTTP server for provider fakes: real sockets, real client libraries.

Each provider fake subclasses ``FakeProvider`` and implements ``handle(request)``; the
server can be told to fail the next requests (status, Retry-After) or to hang, so retries,
circuits and timeouts are exercised end to end.
"""

from __future__ import annotations

import abc
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    hang_seconds: float = 0.0


class FakeProvider(abc.ABC):
    """Subclass and implement ``handle``; start with ``with FakeX() as fake: fake.url``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._failures: list[Failure] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- what tests call -------------------------------------------------------------
    def fail_next(
        self, count: int = 1, *, status: int = 500, retry_after: int | None = None
    ) -> None:
        with self._lock:
            self._failures.extend(Failure(status, retry_after) for _ in range(count))

    def hang_next(self, count: int = 1, *, seconds: float = 5.0) -> None:
        with self._lock:
            self._failures.extend(Failure(0, hang_seconds=seconds) for _ in range(count))

    def recover(self) -> None:
        with self._lock:
            self._failures.clear()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what subclasses implement ---------------------------------------------------
    @abc.abstractmethod
    def handle(self, request: Request) -> Response:
        """Answer ``request`` in the provider's wire format."""

    # --- plumbing --------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            failure = self._failures.pop(0) if self._failures else None
        if failure and failure.hang_seconds:
            time.sleep(failure.hang_seconds)
            return Response(504, {"error": "fake timed out"})
        if failure:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return Response(failure.status, {"error": {"message": "fake failure"}}, headers)
        return self.handle(request)

    def start(self) -> FakeProvider:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parsed = urlparse(self.path)
                request = Request(
                    method=self.command,
                    path=parsed.path,
                    query=parse_qs(parsed.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                response = fake._dispatch(request)
                payload = response.encoded()
                self.send_response(response.status)
                headers = {"Content-Type": "application/json", **response.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
