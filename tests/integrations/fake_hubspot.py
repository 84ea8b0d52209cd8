"""HubSpot CRM v3 objects API, as much as the adapter uses: contacts batch upsert by email,
meetings and notes create / patch / search, with associations (v4 types) recorded, and
"Account information › Get account details" (``GET /account-info/v3/details``,
developers.hubspot.com/docs/api/settings/account-information-api) for the provider check.
Checks the Bearer token (private app access token): 401 ``INVALID_AUTHENTICATION``
otherwise ("Error handling", developers.hubspot.com/docs/api/error-handling).

Create bodies follow "Engagements › Meetings" and "› Notes" (developers.hubspot.com/docs/
api/crm/meetings, /notes: "Create a meeting", properties and associations): ``hs_timestamp``
required (epoch milliseconds or ISO 8601); ``hs_meeting_outcome`` one of SCHEDULED,
COMPLETED, RESCHEDULED, NO_SHOW, CANCELED; default association types meeting→contact 200
and note→contact 202, category HUBSPOT_DEFINED ("Associations v4 › association type ids").
A wrong body is 400 ``VALIDATION_ERROR``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.integrations.fakeserver import FakeProvider, Request, Response

TOKEN = "pat-na1-test"
OBJECT = re.compile(r"/crm/v3/objects/(meetings|notes)(?:/(search|\d+))?")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, message: str, category: str = "VALIDATION_ERROR") -> Response:
    return Response(
        status,
        {"status": "error", "message": message, "correlationId": "fake", "category": category},
    )


OUTCOMES = {"SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"}
TYPE_TO_CONTACT = {"meetings": 200, "notes": 202}


def _bad_engagement(
    kind: str, properties: dict[str, Any], associations: Any, *, patch: bool = False
) -> str:
    stamp = properties.get("hs_timestamp")
    if not patch and not stamp:
        return "Property values were not valid: hs_timestamp is required"
    if stamp is not None and not re.fullmatch(r"\d{10,13}|\d{4}-\d\d-\d\dT.+", str(stamp)):
        return f"Property values were not valid: hs_timestamp {stamp!r}"
    outcome = properties.get("hs_meeting_outcome")
    if outcome is not None and outcome not in OUTCOMES:
        return f"Property values were not valid: hs_meeting_outcome {outcome!r}"
    for association in associations or []:
        for spec in association.get("types", []):
            if (
                spec.get("associationCategory") != "HUBSPOT_DEFINED"
                or spec.get("associationTypeId") != TYPE_TO_CONTACT[kind]
            ):
                return f"invalid association type {spec}"
    return ""


class FakeHubSpot(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.contacts: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, dict[str, dict[str, Any]]] = {"meetings": {}, "notes": {}}
        # (from type, from id, to id, association type id)
        self.associations: list[tuple[str, str, str, int]] = []
        self._next = 5000

    @property
    def meetings(self) -> dict[str, dict[str, Any]]:
        return self.objects["meetings"]

    @property
    def notes(self) -> dict[str, dict[str, Any]]:
        return self.objects["notes"]

    def _id(self) -> str:
        self._next += 1
        return str(self._next)

    def _record(self, object_id: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": object_id,
            "properties": properties,
            "createdAt": _now(),
            "updatedAt": _now(),
            "archived": False,
            **extra,
        }

    def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        if request.path == "/account-info/v3/details" and request.method == "GET":
            return Response(
                200,
                {
                    "portalId": 62515,
                    "accountType": "STANDARD",
                    "timeZone": "America/Lima",
                    "companyCurrency": "USD",
                    "uiDomain": "app.hubspot.com",
                    "dataHostingLocation": "na1",
                },
            )
        if request.path == "/crm/v3/objects/contacts/batch/upsert" and request.method == "POST":
            return self._upsert_contacts(request.json())
        match = OBJECT.fullmatch(request.path)
        if not match:
            return _error(404, f"no route {request.method} {request.path}", "OBJECT_NOT_FOUND")
        kind, tail = match.groups()
        store = self.objects[kind]
        if tail is None and request.method == "POST":
            body = request.json()
            problem = _bad_engagement(kind, body.get("properties") or {}, body.get("associations"))
            if problem:
                return _error(400, problem)
            object_id = self._id()
            for association in body.get("associations") or []:
                to_id = association["to"]["id"]
                if to_id not in {c["id"] for c in self.contacts.values()}:
                    return _error(400, f"contact {to_id} does not exist")
                for spec in association["types"]:
                    self.associations.append((kind, object_id, to_id, spec["associationTypeId"]))
            store[object_id] = dict(body["properties"])
            return Response(201, self._record(object_id, store[object_id]))
        if tail == "search" and request.method == "POST":
            results = [
                self._record(object_id, props)
                for object_id, props in store.items()
                if self._matches(props, request.json().get("filterGroups") or [])
            ]
            return Response(200, {"total": len(results), "results": results})
        if tail and tail.isdigit() and request.method == "PATCH":
            if tail not in store:
                return _error(404, "resource not found", "OBJECT_NOT_FOUND")
            problem = _bad_engagement(
                kind, request.json().get("properties") or {}, None, patch=True
            )
            if problem:
                return _error(400, problem)
            store[tail].update(request.json()["properties"])
            return Response(200, self._record(tail, store[tail]))
        return _error(405, f"{request.method} not allowed")

    def _upsert_contacts(self, body: dict[str, Any]) -> Response:
        results = []
        for item in body["inputs"]:
            if item.get("idProperty") != "email":
                return _error(400, "idProperty must be a unique property such as email")
            email = item["id"].lower()
            new = email not in self.contacts
            if new:
                self.contacts[email] = {"id": self._id(), "properties": {}}
            contact = self.contacts[email]
            contact["properties"].update(item.get("properties") or {}, email=email)
            results.append(self._record(contact["id"], contact["properties"], new=new))
        return Response(
            200,
            {"status": "COMPLETE", "results": results, "startedAt": _now(), "completedAt": _now()},
        )

    @staticmethod
    def _matches(props: dict[str, Any], groups: list[dict[str, Any]]) -> bool:
        def one(f: dict[str, Any]) -> bool:
            value = str(props.get(f["propertyName"], ""))
            if f["operator"] == "CONTAINS_TOKEN":
                return f["value"].lower() in re.split(r"[^a-z0-9]+", value.lower())
            if f["operator"] == "EQ":
                return value == f["value"]
            raise AssertionError(f"operator {f['operator']} not faked")

        return not groups or any(all(one(f) for f in g["filters"]) for g in groups)
