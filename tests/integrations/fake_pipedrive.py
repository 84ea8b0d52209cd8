"""Pipedrive API v2, as much of it as the adapter uses: persons search/create, deals
search/create, activities list/create/patch. Checks the ``x-api-token`` header."""

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
            activity.update(request.json())
            return _ok(activity)
        return _error(404, f"no route {method} {path}")

    @staticmethod
    def _bad_activity(body: dict[str, Any]) -> str:
        if body.get("type") != "meeting":
            return "type must be meeting here"
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", body.get("due_date", "")):
            return "due_date must be YYYY-MM-DD"
        if not re.fullmatch(r"\d\d:\d\d", body.get("due_time", "")):
            return "due_time must be HH:MM"
        if not re.fullmatch(r"\d\d:\d\d", body.get("duration", "")):
            return "duration must be HH:MM"
        return ""
