"""Zoom: the server-to-server OAuth token endpoint and the meetings API (v2), in one fake.
Answers carry a ``start_url`` like Zoom's do, so tests can prove it is never kept.

What it enforces, and where that comes from:
- "Server-to-Server OAuth" (developers.zoom.us/docs/internal-apps/s2s-oauth, "Generate an
  access token"): ``POST /oauth/token?grant_type=account_credentials&account_id=…`` with
  HTTP basic client id/secret; a bad client is 401 ``invalid_client``.
- Meetings API "Create a meeting" (developers.zoom.us/docs/api/meetings/#tag/meetings/POST/
  users/{userId}/meetings, Request body): ``topic`` ≤ 200 characters, ``agenda`` ≤ 2,000
  characters, ``type`` one of 1, 2, 3, 8, ``start_time`` date-time, ``duration`` integer;
  a violation is 300 "Validation Failed." with ``errors`` naming the field (as quoted in
  jrchamp/moodle-mod_zoom#511 and #616). An unknown user is 404 code 1001.
- "List meetings" (…/GET/users/{userId}/meetings, Query parameters): ``type`` one of
  scheduled, live, upcoming, upcoming_meetings, previous_meetings; ``page_size`` ≤ 300;
  pages through ``next_page_token`` ("Pagination", developers.zoom.us/docs/api/pagination).
  Listed meetings carry ``agenda`` cut to 250 characters: that figure comes from the issue
  (observed in production); no stored Zoom page states it.
- "Update a meeting" (PATCH, 204) and "Delete a meeting" (DELETE, 204) on
  ``/meetings/{meetingId}``; an unknown id is 404 code 3001 "Meeting does not exist".
- "Get a user" (GET /users/{userId}, ``me`` allowed).
- Every API call needs ``Authorization: Bearer <token>``; otherwise 401 code 124
  "Invalid access token." (Zoom "Error definitions").
"""

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
LIST_TYPES = {"scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"}
LISTED_AGENDA = 250
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$")


def _error(status: int, code: int, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["errors"] = [{"field": field, "message": "Invalid field."}]
    return Response(status, body)


def _invalid_meeting(body: Any, *, partial: bool) -> str | None:
    """The first field that breaks "Create a meeting"'s schema, or None."""
    if not isinstance(body, dict):
        return "body"
    required = () if partial else ("topic", "type", "start_time", "duration")
    for name in required:
        if name not in body:
            return name
    checks = {
        "topic": lambda v: isinstance(v, str) and len(v) <= 200,
        "agenda": lambda v: isinstance(v, str) and len(v) <= 2000,
        "type": lambda v: v in (1, 2, 3, 8),
        "start_time": lambda v: isinstance(v, str) and bool(DATE_TIME.match(v)),
        "duration": lambda v: isinstance(v, int) and v > 0,
        "timezone": lambda v: isinstance(v, str),
        "settings": lambda v: isinstance(v, dict),
    }
    for name, ok in checks.items():
        if name in body and not ok(body[name]):
            return name
    return None


class FakeZoom(FakeProvider):
    def __init__(self, *, page_size_cap: int = 300) -> None:
        super().__init__()
        self.meetings: dict[int, dict[str, Any]] = {}
        self.tokens_issued: list[str] = []
        self.users = {"me": "owner@example.com"}
        self.page_size_cap = page_size_cap  # lower it to make tests page
        self._next = 81234567890

    def handle(self, request: Request) -> Response:
        if request.path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        authorization = request.headers.get("authorization") or ""
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens_issued:
            return _error(401, 124, "Invalid access token.")
        match = re.fullmatch(r"/v2/users/([^/]+)/meetings", request.path)
        if match and request.method == "POST":
            return self._create(match.group(1), request.json())
        if match and request.method == "GET":
            return self._list(match.group(1), request.query)
        match = re.fullmatch(r"/v2/users/([^/]+)", request.path)
        if match and request.method == "GET":
            email = self.users["me"] if match.group(1) == "me" else match.group(1)
            return Response(200, {"id": "KDcuGIm1QgePTO8WbOqwIQ", "email": email, "type": 2})
        match = re.fullmatch(r"/v2/meetings/(\d+)", request.path)
        if match:
            return self._meeting(int(match.group(1)), request)
        return _error(404, 404, f"no route {request.method} {request.path}")

    def _create(self, host: str, body: Any) -> Response:
        field = _invalid_meeting(body, partial=False)
        if field:
            return _error(400, 300, "Validation Failed.", field)
        self._next += 1
        meeting = {
            **body,
            "id": self._next,
            "uuid": f"uuid-{self._next}",
            "host_email": host,
            "join_url": f"https://zoom.example/j/{self._next}?pwd=abc",
            "start_url": f"https://zoom.example/s/{self._next}?zak=HOST-SECRET",
            "password": "abc",
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        self.meetings[self._next] = meeting
        return Response(201, meeting)

    def _list(self, host: str, query: dict[str, list[str]]) -> Response:
        kind = query.get("type", ["scheduled"])[0]
        size = int(query.get("page_size", ["30"])[0])
        if kind not in LIST_TYPES or not 1 <= size <= 300:
            return _error(
                400, 300, "Validation Failed.", "type" if kind not in LIST_TYPES else "page_size"
            )
        size = min(size, self.page_size_cap)
        mine = [m for m in self.meetings.values() if m["host_email"] == host]
        offset = int(query.get("next_page_token", ["0"])[0] or 0)
        page = mine[offset : offset + size]
        listed = [
            {
                **{k: m[k] for k in ("id", "uuid", "topic", "start_time", "duration", "join_url")},
                "agenda": m.get("agenda", "")[:LISTED_AGENDA],
            }
            for m in page
        ]
        more = offset + size < len(mine)
        return Response(
            200,
            {
                "page_size": size,
                "total_records": len(mine),
                "next_page_token": str(offset + size) if more else "",
                "meetings": listed,
            },
        )

    def _meeting(self, meeting_id: int, request: Request) -> Response:
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            return _error(404, 3001, f"Meeting does not exist: {meeting_id}.")
        if request.method == "PATCH":
            body = request.json()
            field = _invalid_meeting(body, partial=True)
            if field:
                return _error(400, 300, "Validation Failed.", field)
            meeting.update(body)
            return Response(204)
        if request.method == "DELETE":
            del self.meetings[meeting["id"]]
            return Response(204)
        if request.method == "GET":
            return Response(200, meeting)
        return _error(405, 405, request.method)

    def add_meeting(self, host: str, topic: str, agenda: str = "") -> None:
        """A meeting made elsewhere (by hand in Zoom), so listings have more than ours."""
        self._create(
            host,
            {
                "topic": topic,
                "type": 2,
                "start_time": "2026-12-01T10:00:00Z",
                "duration": 30,
                "agenda": agenda,
            },
        )

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
