"""A webhook receiver, as an integrator would write one, on a local socket.

It checks each delivery the way docs/api.md ("Outbound webhooks", receiver snippet) tells
receivers to: the ``X-Webhook-Timestamp`` must be recent (replays of an old delivery are
refused), ``X-Webhook-Signature`` must be the HMAC-SHA256 with the shared secret of
``"<timestamp>.<raw body>"``, compared in constant time; the event id
(``X-Webhook-Id``) makes a retry of an event already taken harmless. Answers 2xx when the
delivery is genuine, 400 otherwise; ``fail_next`` makes it answer 500s (or hang).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from tests.integrations.fakeserver import FakeProvider, Request, Response

TOLERANCE_SECONDS = 300


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None) -> bool:
    """The receiver snippet of docs/api.md (headers lower-cased)."""
    timestamp = headers.get("x-webhook-timestamp", "")
    if not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        return False  # too old (or from the future): a replay
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    given = headers.get("x-webhook-signature", "")
    return hmac.compare_digest(given, "sha256=" + expected.hexdigest())


class FakeWebhookReceiver(FakeProvider):
    def __init__(self, secret: str = "") -> None:
        super().__init__()
        self.secret = secret
        self.accepted: dict[str, dict] = {}  # event id → payload, once per event
        self.rejected: list[Request] = []

    def handle(self, request: Request) -> Response:
        if request.method != "POST" or not verify(self.secret, request.headers, request.body):
            self.rejected.append(request)
            return Response(400, {"error": "bad signature or stale timestamp"})
        event_id = request.headers["x-webhook-id"]
        self.accepted.setdefault(event_id, json.loads(request.body))
        return Response(204)
