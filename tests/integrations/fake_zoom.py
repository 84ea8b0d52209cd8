"""Zoom: the server-to-server OAuth token endpoint and the meetings API (v2), in one fake.
Answers carry a ``start_url`` like Zoom's do, so tests can prove it is never kept."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from tests.integrations.fakeserver import FakeProvider, Request, Response

ACCOUNT_ID = "acct-1"
CLIENT_ID = "zoom-client"
CLIENT_SECRET = "zoom-secret"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def _error(status: int, code: int, message: str) -> Response:
    return Response(status, {"code": code, "message": message})


class FakeZoom(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.meetings: dict[int, dict[str, Any]] = {}
        self.tokens_issued: list[str] = []
        self._next = 81234567890

    def handle(self, request: Request) -> Response:
        if request.path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ")
        if token not in self.tokens_issued:
            return _error(401, 124, "Invalid access token.")
        match = re.fullmatch(r"/v2/users/([^/]+)/meetings", request.path)
        if match and request.method == "POST":
            body = request.json()
            if body.get("type") != 2 or not body.get("start_time") or not body.get("duration"):
                return _error(400, 300, "Validation Failed.")
            self._next += 1
            meeting = {
                **body,
                "id": self._next,
                "uuid": f"uuid-{self._next}",
                "host_email": match.group(1),
                "join_url": f"https://zoom.example/j/{self._next}?pwd=abc",
                "start_url": f"https://zoom.example/s/{self._next}?zak=HOST-SECRET",
                "password": "abc",
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
            }
            self.meetings[self._next] = meeting
            return Response(201, meeting)
        if match and request.method == "GET":
            listed = [
                {
                    k: m[k]
                    for k in ("id", "uuid", "topic", "start_time", "duration", "join_url", "agenda")
                }
                for m in self.meetings.values()
                if m["host_email"] == match.group(1)
            ]
            return Response(
                200, {"page_size": 300, "total_records": len(listed), "meetings": listed}
            )
        match = re.fullmatch(r"/v2/meetings/(\d+)", request.path)
        if match:
            meeting = self.meetings.get(int(match.group(1)))
            if meeting is None:
                return _error(404, 3001, "Meeting does not exist.")
            if request.method == "PATCH":
                meeting.update(request.json())
                return Response(204)
            if request.method == "DELETE":
                del self.meetings[meeting["id"]]
                return Response(204)
            if request.method == "GET":
                return Response(200, meeting)
        return _error(404, 404, f"no route {request.method} {request.path}")

    def _token(self, request: Request) -> Response:
        if request.headers.get("authorization") != BASIC:
            return Response(
                401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        if request.query.get("grant_type") != ["account_credentials"] or request.query.get(
            "account_id"
        ) != [ACCOUNT_ID]:
            return Response(400, {"reason": "Unsupported grant type", "error": "invalid_request"})
        token = f"zoom-token-{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        return Response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3599,
                "scope": "meeting:write:admin",
            },
        )
