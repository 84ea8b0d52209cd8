"""A fake Postmark (the ESP behind anymail's postmark backend), speaking its email API.

Follows postmarkapp.com/developer: "Email API › Send a single email" (``POST /email``,
``X-Postmark-Server-Token`` header, JSON with ``From``, ``To``, ``Subject``, ``TextBody`` /
``HtmlBody``, ``Attachments`` of ``Name``/``Content``/``ContentType``; answers ``MessageID``)
and "API error codes" (401 with ErrorCode 10 for a bad token; 422 with ErrorCode 300 for an
invalid email request, 406 for an inactive recipient). ``GET /server`` ("Server API › Get
the server") is the provider check's cheap authenticated read.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from tests.integrations.fakeserver import FakeProvider, Request, Response


@dataclass
class SentEmail:
    to: str
    subject: str
    text: str
    html: str
    attachments: dict[str, tuple[str, bytes]]  # name → (content type, content)
    message_id: str


class FakePostmark(FakeProvider):
    """POST /email with the server token header; answers like Postmark does."""

    token = "fake-server-token"

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentEmail] = []
        self.reject_recipients: set[str] = set()
        self.rate_limited_once: dict[str, int] = {}  # recipient → Retry-After seconds

    def rate_limit_once(self, recipient: str, *, retry_after: int) -> None:
        """Answer 429 with Retry-After to the next message for ``recipient`` only."""
        self.rate_limited_once[recipient] = retry_after

    def handle(self, request: Request) -> Response:
        if request.headers.get("x-postmark-server-token") != self.token:
            return Response(401, {"ErrorCode": 10, "Message": "Bad or missing API token"})
        if (request.method, request.path) == ("GET", "/server"):
            return Response(200, {"ID": 1, "Name": "meetroute", "ApiTokens": [self.token]})
        if (request.method, request.path) != ("POST", "/email"):
            return Response(404, {"ErrorCode": 404, "Message": "not found"})
        body = request.json()
        for name in ("From", "To"):
            if not isinstance(body.get(name), str) or "@" not in body[name]:
                return Response(422, {"ErrorCode": 300, "Message": f"Invalid '{name}' address"})
        if not (body.get("TextBody") or body.get("HtmlBody")):
            return Response(
                422,
                {"ErrorCode": 300, "Message": "Provide either email TextBody or HtmlBody or both."},
            )
        if body["To"] in self.rate_limited_once:
            retry_after = self.rate_limited_once.pop(body["To"])
            return Response(
                429,
                {"ErrorCode": 429, "Message": "Rate limit exceeded"},
                {"Retry-After": str(retry_after)},
            )
        if body["To"] in self.reject_recipients:
            message = f"Invalid 'To' address: '{body['To']}'."
            return Response(422, {"ErrorCode": 300, "Message": message})
        message_id = str(uuid.uuid4())
        self.sent.append(
            SentEmail(
                to=body["To"],
                subject=body["Subject"],
                text=body.get("TextBody", ""),
                html=body.get("HtmlBody", ""),
                attachments={
                    a["Name"]: (a["ContentType"], base64.b64decode(a["Content"]))
                    for a in body.get("Attachments", [])
                },
                message_id=message_id,
            )
        )
        return Response(
            200,
            {
                "To": body["To"],
                "SubmittedAt": "2026-11-22T04:00:00.0000000-05:00",
                "MessageID": message_id,
                "ErrorCode": 0,
                "Message": "OK",
            },
        )
