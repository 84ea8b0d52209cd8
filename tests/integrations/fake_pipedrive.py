"""Pipedrive API v2, as much of it as the adapter uses: persons search/create, deals
search/create, activities list/create/patch, and v1 ``users/me``.

What it enforces, and where that comes from:
- Authentication: the ``x-api-token`` header (developers.pipedrive.com/docs/api/v1,
  "Authentication"); without it 401 ``{"success": false, "error": "unauthorized access"}``.
- "Add an activity" / "Update an activity" (developers.pipedrive.com/docs/api/v2/Activities,
  request body; the generated v2 model ``AddActivityRequest`` in pipedrive/client-nodejs
  src/versions/v2/models/add-activity-request.ts): only the schema's fields, with their
  types; ``location`` is an object (``AddActivityRequestLocation``: ``value``, ``country``,
  ``locality``, … all strings), not a string; ``participants`` are ``{person_id: int,
  primary: bool}``. v2 refuses what does not match with 400.
- ``due_date`` YYYY-MM-DD, ``due_time`` and ``duration`` HH:MM: the v2 model gives no
  format, so these are v1's documented formats ("The due time of the activity in UTC.
  Format: HH:MM"), which the v2 reference's examples keep.
- "Search persons" / "Search deals" (v2 ItemSearch): ``term`` ≥ 2 characters, ``fields``
  from the documented enum, ``limit`` ≤ 500.
- "Get current user data" is v1 only: ``GET /api/v1/users/me``.
The exact ``code`` string of a v2 validation error was not found in a stored document;
the fake answers ``{"success": false, "error": <message>}`` with status 400.
"""

from __future__ import annotations

import re
from typing import Any

from tests.integrations.fakeserver import FakeProvider, Request, Response

TOKEN = "pd-test-token"


def _ok(data: Any, **additional: Any) -> Response:
    return Response(200, {"success": True, "data": data, "additional_data": additional or None})


def _error(status: int, message: str) -> Response:
    return Response(status, {"success": False, "error": message, "code": "ERR"})


class FakePipedrive(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.persons: dict[int, dict[str, Any]] = {}
        self.deals: dict[int, dict[str, Any]] = {}
        self.activities: dict[int, dict[str, Any]] = {}
        self._next = 100

    def _id(self) -> int:
        self._next += 1
        return self._next

    def add_person(self, name: str, email: str) -> int:
        person_id = self._id()
        self.persons[person_id] = {
            "id": person_id,
            "name": name,
            "emails": [{"value": email, "primary": True, "label": "work"}],
        }
        return person_id

    def handle(self, request: Request) -> Response:
        if request.headers.get("x-api-token") != TOKEN:
            return _error(401, "unauthorized access")
        path, method = request.path, request.method
        q = {k: v[0] for k, v in request.query.items()}
        if path == "/api/v1/users/me" and method == "GET":
            return _ok(
                {"id": 1, "name": "Owner", "email": "owner@example.com", "company_domain": "acme"}
            )
        if path.endswith("/search") and method == "GET":
            problem = self._bad_search(path, q)
            if problem:
                return _error(400, problem)
        if path == "/api/v2/persons/search" and method == "GET":
            term = q["term"].lower()
            items = [
                {
                    "result_score": 1.0,
                    "item": {
                        "id": p["id"],
                        "type": "person",
                        "name": p["name"],
                        "emails": [e["value"] for e in p["emails"]],
                    },
                }
                for p in self.persons.values()
                if any(e["value"].lower() == term for e in p["emails"])
            ]
            return _ok({"items": items}, next_cursor=None)
        if path == "/api/v2/persons" and method == "POST":
            body = request.json()
            if not body.get("name"):
                return _error(400, "name is required")
            person_id = self._id()
            self.persons[person_id] = {"id": person_id, **body}
            return _ok(self.persons[person_id])
        if path == "/api/v2/deals/search" and method == "GET":
            term = q["term"].lower()
            items = [
                {"result_score": 1.0, "item": {"id": d["id"], "type": "deal", "title": d["title"]}}
                for d in self.deals.values()
                if term in d["title"].lower()
            ]
            return _ok({"items": items}, next_cursor=None)
        if path == "/api/v2/deals" and method == "POST":
            body = request.json()
            if not body.get("title") or body.get("person_id") not in self.persons:
                return _error(400, "title and an existing person_id are required")
            deal_id = self._id()
            self.deals[deal_id] = {"id": deal_id, "status": "open", **body}
            return _ok(self.deals[deal_id])
        if path == "/api/v2/activities" and method == "GET":
            deal_id = int(q["deal_id"]) if "deal_id" in q else None
            data = [a for a in self.activities.values() if deal_id in (None, a.get("deal_id"))]
            return _ok(data, next_cursor=None)
        if path == "/api/v2/activities" and method == "POST":
            body = request.json()
            problem = self._bad_activity(body)
            if problem:
                return _error(400, problem)
            activity_id = self._id()
            self.activities[activity_id] = {"id": activity_id, **body}
            return _ok(self.activities[activity_id])
        match = re.fullmatch(r"/api/v2/activities/(\d+)", path)
        if match and method == "PATCH":
            activity = self.activities.get(int(match.group(1)))
            if activity is None:
                return _error(404, "Activity not found")
            body = request.json()
            problem = self._bad_activity_fields(body)
            if problem:
                return _error(400, problem)
            activity.update(body)
            return _ok(activity)
        return _error(404, f"no route {method} {path}")

    @classmethod
    def _bad_activity(cls, body: dict[str, Any]) -> str:
        for name in ("subject", "type", "due_date", "due_time", "duration"):
            if name not in body:
                return f"{name} is required here"
        return cls._bad_activity_fields(body)

    @staticmethod
    def _bad_activity_fields(body: Any) -> str:
        if not isinstance(body, dict):
            return "body must be an object"
        for name, value in body.items():
            check = ACTIVITY_FIELDS.get(name)
            if check is None:
                return f"unknown field {name}"
            if not check(value):
                return f"{name} is invalid"
        return ""

    @staticmethod
    def _bad_search(path: str, q: dict[str, str]) -> str:
        allowed = SEARCH_FIELDS.get(path)
        if allowed is None:
            return ""
        if len(q.get("term", "")) < 2:
            return "term must be at least 2 characters"
        if any(f not in allowed for f in q.get("fields", "").split(",") if f):
            return "fields is invalid"
        if int(q.get("limit", "100")) > 500:
            return "limit must be at most 500"
        return ""


HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
LOCATION_KEYS = {
    "value",
    "country",
    "admin_area_level_1",
    "admin_area_level_2",
    "locality",
    "sublocality",
    "route",
    "street_number",
    "subpremise",
    "postal_code",
}


def _is_location(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) <= LOCATION_KEYS
        and all(isinstance(v, str) for v in value.values())
    )


def _is_participants(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, dict)
        and isinstance(p.get("person_id"), int)
        and isinstance(p.get("primary", False), bool)
        and set(p) <= {"person_id", "primary"}
        for p in value
    )


def _str(value: Any) -> bool:
    return isinstance(value, str)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


ACTIVITY_FIELDS = {
    "subject": _str,
    "type": _str,
    "owner_id": _int,
    "deal_id": _int,
    "lead_id": _str,
    "person_id": _int,
    "org_id": _int,
    "project_id": _int,
    "due_date": lambda v: isinstance(v, str) and bool(re.fullmatch(r"\d{4}-\d\d-\d\d", v)),
    "due_time": lambda v: isinstance(v, str) and bool(HHMM.match(v)),
    "duration": lambda v: isinstance(v, str) and bool(re.fullmatch(r"\d\d:[0-5]\d", v)),
    "busy": lambda v: isinstance(v, bool),
    "done": lambda v: isinstance(v, bool),
    "location": _is_location,
    "participants": _is_participants,
    "attendees": lambda v: isinstance(v, list),
    "public_description": _str,
    "priority": _int,
    "note": _str,
}
SEARCH_FIELDS = {
    "/api/v2/persons/search": {"custom_fields", "email", "notes", "phone", "name"},
    "/api/v2/deals/search": {"custom_fields", "notes", "title"},
}
