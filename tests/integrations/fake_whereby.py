"""Whereby's REST API (v1 meetings), as the Whereby adapter uses it.

What it enforces, and where that comes from — docs.whereby.com, "REST API reference ›
/meetings" (Create meeting, Get meeting, Delete meeting) and "Generating Room URLs":
- ``Authorization: Bearer <API key>`` on every call; otherwise 401 ("Access token is
  missing or invalid").
- ``POST /v1/meetings``: ``endDate`` required, an ISO 8601 date-time not in the past;
  ``roomNamePrefix`` lower-case, pattern ``[a-z0-9]{0,39}`` (a later revision of the page
  allows ``-`` too; the fake holds the stricter one); ``roomMode`` ``normal`` | ``group``;
  ``roomNamePattern`` ``uuid`` | ``human-short``; ``fields`` from ``hostRoomUrl``,
  ``viewerRoomUrl``; ``isLocked`` boolean; ``startDate`` deprecated (ignored). 201 with
  ``meetingId``, ``roomUrl``, ``startDate``, ``endDate`` and ``hostRoomUrl`` when asked.
- ``GET``/``DELETE /v1/meetings/{meetingId}``: 200 / 204; an unknown id is 404.
- 403 (not allowed) and 429 (rate limited) exist per the reference; tests inject them.
The error *bodies* are not documented; this fake answers ``{"error": <message>}``.
Whether unknown body fields are refused is not documented either: the fake refuses them
so the adapter never depends on one.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from tests.integrations.fakeserver import FakeProvider, Request, Response

API_KEY = "whereby-key"
FIELDS = {
    "endDate",
    "startDate",
    "isLocked",
    "roomMode",
    "roomNamePrefix",
    "roomNamePattern",
    "templateType",
    "fields",
}


def _error(status: int, message: str) -> Response:
    return Response(status, {"error": message})


def _bad_body(body: Any) -> str:
    if not isinstance(body, dict):
        return "body must be an object"
    unknown = set(body) - FIELDS
    if unknown:
        return f"unknown fields {sorted(unknown)}"
    try:
        end = dt.datetime.fromisoformat(str(body.get("endDate", "")).replace("Z", "+00:00"))
    except ValueError:
        return '"endDate" is required and must be a date-time'
    if end.tzinfo is None or end < dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1):
        return '"endDate" must be the same or after the current date'
    if not re.fullmatch(r"[a-z0-9]{0,39}", str(body.get("roomNamePrefix", ""))):
        return '"roomNamePrefix" does not match [a-z0-9]{0,39}'
    if body.get("roomMode", "normal") not in ("normal", "group"):
        return '"roomMode" must be one of normal, group'
    if body.get("roomNamePattern", "uuid") not in ("uuid", "human-short"):
        return '"roomNamePattern" must be one of uuid, human-short'
    if not set(body.get("fields", [])) <= {"hostRoomUrl", "viewerRoomUrl"}:
        return '"fields" may hold hostRoomUrl, viewerRoomUrl'
    if not isinstance(body.get("isLocked", False), bool):
        return '"isLocked" must be a boolean'
    return ""


class FakeWhereby(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.rooms: dict[str, dict[str, Any]] = {}
        self._next = 1000

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return _error(401, "Access token is missing or invalid")
        if request.path == "/v1/meetings" and request.method == "POST":
            body = request.json()
            problem = _bad_body(body)
            if problem:
                return _error(400, problem)
            return Response(201, self._create(body))
        match = re.fullmatch(r"/v1/meetings/([^/]+)", request.path)
        if match:
            room = self.rooms.get(match.group(1))
            if room is None:
                return _error(404, "Meeting not found")
            if request.method == "GET":
                return Response(200, {k: v for k, v in room.items() if k != "hostRoomUrl"})
            if request.method == "DELETE":
                del self.rooms[room["meetingId"]]
                return Response(204)
        return _error(404, f"no route {request.method} {request.path}")

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        self._next += 1
        name = f"{body.get('roomNamePrefix', '')}{secrets.token_hex(4)}"
        room = {
            "meetingId": str(self._next),
            "startDate": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "endDate": body["endDate"],
            "roomUrl": f"https://acme.whereby.com/{name}",
            "roomMode": body.get("roomMode", "normal"),
        }
        if "hostRoomUrl" in body.get("fields", []):
            room["hostRoomUrl"] = f"https://acme.whereby.com/{name}?roomKey=HOST-{name}"
        self.rooms[room["meetingId"]] = room
        return room
