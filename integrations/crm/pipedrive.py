"""Pipedrive through a thin client of ours over API v2.

Why not ``pipedrive-python-lib``: it calls the v1 endpoints Pipedrive has deprecated. This
client speaks v2 with ``requests``: the token goes in the ``x-api-token`` header, every call
has an explicit timeout, and errors map onto ProviderTransientError/PermanentError.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from django.conf import settings

from integrations.base import ProviderPermanentError
from integrations.crm.base import CrmMeeting, CrmRecordIds, SaveIds
from integrations.provider_http import check_response, timeout, transport_errors

PROVIDER = "pipedrive"


class PipedriveClient:
    """The few Pipedrive v2 calls a booking needs. Stateless apart from its session."""

    name = PROVIDER

    def __init__(self, *, base_url: str, api_token: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout_seconds
        self.session = requests.Session()
        self.session.headers.update({"x-api-token": api_token, "Accept": "application/json"})

    @classmethod
    def from_settings(cls) -> PipedriveClient:
        # The domain may be given as 'acme' or 'acme.pipedrive.com'.
        domain = settings.PIPEDRIVE_COMPANY_DOMAIN.strip().removesuffix(".pipedrive.com")
        base_url = settings.PIPEDRIVE_API_URL or f"https://{domain}.pipedrive.com"
        return cls(
            base_url=base_url, api_token=settings.PIPEDRIVE_API_TOKEN, timeout_seconds=timeout()
        )

    # --- transport --------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        with transport_errors(PROVIDER):
            response = self.session.request(
                method, f"{self.base_url}{path}", params=params, json=body, timeout=self.timeout
            )
        check_response(PROVIDER, response)
        payload = response.json() if response.content else {}
        if isinstance(payload, dict) and payload.get("success") is False:
            raise ProviderPermanentError(PROVIDER, str(payload.get("error") or payload))
        return payload.get("data") if isinstance(payload, dict) else None

    # --- persons ----------------------------------------------------------------------
    def find_person_by_email(self, email: str) -> str:
        data = self._call(
            "GET",
            "/api/v2/persons/search",
            params={"term": email, "fields": "email", "exact_match": "true", "limit": 1},
        )
        items = (data or {}).get("items") or []
        return str(items[0]["item"]["id"]) if items else ""

    def create_person(self, meeting: CrmMeeting) -> str:
        body: dict[str, Any] = {
            "name": meeting.name,
            "emails": [{"value": meeting.email, "primary": True, "label": "work"}],
        }
        if meeting.phone:
            body["phones"] = [{"value": meeting.phone, "primary": True, "label": "work"}]
        return str(self._call("POST", "/api/v2/persons", body=body)["id"])

    # --- deals ------------------------------------------------------------------------
    def find_deal(self, ref: str) -> str:
        data = self._call(
            "GET",
            "/api/v2/deals/search",
            params={"term": ref, "fields": "title", "exact_match": "false", "limit": 10},
        )
        for entry in (data or {}).get("items") or []:
            if ref in (entry["item"].get("title") or ""):
                return str(entry["item"]["id"])
        return ""

    def create_deal(self, meeting: CrmMeeting, person_id: str) -> str:
        body: dict[str, Any] = {"title": meeting.title, "person_id": int(person_id)}
        if settings.PIPEDRIVE_PIPELINE_ID:
            body["pipeline_id"] = settings.PIPEDRIVE_PIPELINE_ID
        if settings.PIPEDRIVE_STAGE_ID:
            body["stage_id"] = settings.PIPEDRIVE_STAGE_ID
        return str(self._call("POST", "/api/v2/deals", body=body)["id"])

    # --- activities -------------------------------------------------------------------
    def find_activity(self, ref: str, deal_id: str) -> str:
        data = self._call("GET", "/api/v2/activities", params={"deal_id": deal_id, "limit": 100})
        for activity in data or []:
            if ref in (activity.get("subject") or ""):
                return str(activity["id"])
        return ""

    @staticmethod
    def _activity_fields(meeting: CrmMeeting) -> dict[str, Any]:
        """v2's activity body: ``due_time`` HH:MM in UTC, ``duration`` HH:MM, and ``location``
        an object (``{"value": address}``) — v2 refuses the plain string v1 took."""
        start = meeting.start.astimezone(dt.UTC)
        minutes = meeting.duration_minutes
        fields = {
            "subject": f"{meeting.meeting_type} with {meeting.name} [{meeting.ref}]",
            "type": "meeting",
            "due_date": start.strftime("%Y-%m-%d"),
            "due_time": start.strftime("%H:%M"),
            "duration": f"{minutes // 60:02d}:{minutes % 60:02d}",
            "note": meeting.answers_text().replace("\n", "<br>"),
            "done": False,
        }
        if meeting.location:
            fields["location"] = {"value": meeting.location}
        return fields

    def create_activity(self, meeting: CrmMeeting, person_id: str, deal_id: str) -> str:
        body = {
            **self._activity_fields(meeting),
            "deal_id": int(deal_id),
            "participants": [{"person_id": int(person_id), "primary": True}],
        }
        return str(self._call("POST", "/api/v2/activities", body=body)["id"])

    def update_activity(self, activity_id: str, fields: dict[str, Any]) -> None:
        self._call("PATCH", f"/api/v2/activities/{activity_id}", body=fields)

    def me(self) -> dict[str, Any]:
        """The token's user (v1 ``users/me``; v2 has none): the provider check's cheap read."""
        return self._call("GET", "/api/v1/users/me")

    # --- the CrmProvider protocol -----------------------------------------------------
    def push_meeting(self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds) -> CrmRecordIds:
        """Person (found by email or created), deal and activity at the booking's UTC time.

        Idempotent: known ids are reused, missing ones are looked up by email or by the
        booking's ref before anything is created; each new id is saved at once.
        """
        ids = known
        if not ids.contact_id:
            person_id = self.find_person_by_email(meeting.email) or self.create_person(meeting)
            ids = ids.with_(contact_id=person_id)
            save(ids)
        if not ids.deal_id:
            deal_id = self.find_deal(meeting.ref) or self.create_deal(meeting, ids.contact_id)
            ids = ids.with_(deal_id=deal_id)
            save(ids)
        if not ids.meeting_id:
            found = self.find_activity(meeting.ref, ids.deal_id)
            if not found:
                ids = ids.with_(
                    meeting_id=self.create_activity(meeting, ids.contact_id, ids.deal_id)
                )
                save(ids)
                return ids
            ids = ids.with_(meeting_id=found)
            save(ids)
        self.update_activity(ids.meeting_id, self._activity_fields(meeting))
        return ids

    def cancel_meeting(
        self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds
    ) -> CrmRecordIds:
        """Mark the activity done with a "Cancelled" subject (kept, not deleted, so the
        deal's history shows it). Nothing to do when it never reached Pipedrive."""
        ids = known
        if not ids.meeting_id and ids.deal_id:
            found = self.find_activity(meeting.ref, ids.deal_id)
            if found:
                ids = ids.with_(meeting_id=found)
                save(ids)
        if not ids.meeting_id:
            return ids
        fields = self._activity_fields(meeting)
        fields["subject"] = f"Cancelled: {fields['subject']}"
        fields["done"] = True
        try:
            self.update_activity(ids.meeting_id, fields)
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise  # a 404 means it was deleted in Pipedrive: cancelled enough
        return ids
