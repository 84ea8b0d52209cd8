"""HubSpot through ``hubspot-api-client``: contact upsert by email, a meeting engagement
associated with it, and a note with the prospect's answers.

``HUBSPOT_API_URL`` replaces the client's host (tests point it at a local fake). Retries
inside urllib3 are off: the outbox retries, with backoff, and its circuit sees every
failure. Every call has an explicit timeout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
import urllib3
from django.conf import settings
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    SimplePublicObjectBatchInputUpsert,
)
from hubspot.crm.contacts.exceptions import ApiException as ContactsApiException
from hubspot.crm.objects.meetings import (
    AssociationSpec as MeetingAssociationSpec,
)
from hubspot.crm.objects.meetings import (
    Filter as MeetingFilter,
)
from hubspot.crm.objects.meetings import (
    FilterGroup as MeetingFilterGroup,
)
from hubspot.crm.objects.meetings import (
    PublicAssociationsForObject as MeetingAssociations,
)
from hubspot.crm.objects.meetings import (
    PublicObjectId as MeetingObjectId,
)
from hubspot.crm.objects.meetings import (
    PublicObjectSearchRequest as MeetingSearch,
)
from hubspot.crm.objects.meetings import (
    SimplePublicObjectInput as MeetingInput,
)
from hubspot.crm.objects.meetings import (
    SimplePublicObjectInputForCreate as MeetingCreate,
)
from hubspot.crm.objects.meetings.exceptions import ApiException as MeetingsApiException
from hubspot.crm.objects.notes import (
    AssociationSpec as NoteAssociationSpec,
)
from hubspot.crm.objects.notes import (
    Filter as NoteFilter,
)
from hubspot.crm.objects.notes import (
    FilterGroup as NoteFilterGroup,
)
from hubspot.crm.objects.notes import (
    PublicAssociationsForObject as NoteAssociations,
)
from hubspot.crm.objects.notes import (
    PublicObjectId as NoteObjectId,
)
from hubspot.crm.objects.notes import (
    PublicObjectSearchRequest as NoteSearch,
)
from hubspot.crm.objects.notes import (
    SimplePublicObjectInputForCreate as NoteCreate,
)
from hubspot.crm.objects.notes.exceptions import ApiException as NotesApiException

from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.crm.base import CrmMeeting, CrmRecordIds, SaveIds
from integrations.provider_http import check_response, raise_for_status, timeout, transport_errors

PROVIDER = "hubspot"
# HubSpot-defined association types (associations v4): meeting → contact, note → contact.
MEETING_TO_CONTACT = 200
NOTE_TO_CONTACT = 202

# Our outcome → ``hs_meeting_outcome`` (HubSpot's internal enum values, "Meetings" API).
OUTCOMES = {"scheduled": "SCHEDULED", "completed": "COMPLETED", "no_show": "NO_SHOW"}

_API_ERRORS = (ContactsApiException, MeetingsApiException, NotesApiException)
T = TypeVar("T")


def _ms(moment: dt.datetime) -> str:
    """HubSpot datetimes: epoch milliseconds, as a string property value."""
    return str(int(moment.timestamp() * 1000))


@contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except _API_ERRORS as exc:
        if not exc.status:  # status 0: TLS or client-side failure before any answer
            raise ProviderTransientError(PROVIDER, f"request failed: {exc.reason}") from exc
        body = exc.body.decode() if isinstance(exc.body, bytes) else str(exc.body or "")
        raise_for_status(PROVIDER, exc.status, body[:300] or str(exc.reason), exc.headers)
        raise  # unreachable: raise_for_status raises for every status ≥ 400
    except urllib3.exceptions.HTTPError as exc:  # timeouts, refused connections
        raise ProviderTransientError(PROVIDER, f"transport failed: {exc}") from exc


class HubSpotCrm:
    name = PROVIDER

    def __init__(self, *, access_token: str, host: str = "", timeout_seconds: float) -> None:
        options: dict[str, Any] = {"access_token": access_token, "retry": False}
        if host:
            options["host"] = host.rstrip("/")
        self.client = HubSpot(**options)
        self.timeout = timeout_seconds
        self.access_token = access_token
        self.host = (host or "https://api.hubapi.com").rstrip("/")

    @classmethod
    def from_settings(cls) -> HubSpotCrm:
        return cls(
            access_token=settings.HUBSPOT_ACCESS_TOKEN,
            host=settings.HUBSPOT_API_URL,
            timeout_seconds=timeout(),
        )

    def _run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with _mapped_errors():
            return call(*args, _request_timeout=self.timeout, **kwargs)

    def account_details(self) -> dict[str, Any]:
        """``GET /account-info/v3/details``: the provider check's cheap read. Plain
        ``requests``: the SDK has no account-info API and its generic request has no timeout."""
        with transport_errors(PROVIDER):
            response = requests.get(
                f"{self.host}/account-info/v3/details",
                headers={"Authorization": f"Bearer {self.access_token}"},
                timeout=self.timeout,
            )
        check_response(PROVIDER, response)
        return response.json()

    # --- contacts ---------------------------------------------------------------------
    def upsert_contact(self, meeting: CrmMeeting) -> str:
        first, _, last = meeting.name.partition(" ")
        properties = {"email": meeting.email, "firstname": first, "lastname": last}
        if meeting.phone:
            properties["phone"] = meeting.phone
        if meeting.company:
            properties["company"] = meeting.company
        batch = BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=meeting.email, id_property="email", properties=properties
                )
            ]
        )
        response = self._run(
            self.client.crm.contacts.batch_api.upsert,
            batch_input_simple_public_object_batch_input_upsert=batch,
        )
        if not response.results:
            raise ProviderPermanentError(PROVIDER, f"contact upsert returned no result: {response}")
        return str(response.results[0].id)

    # --- meetings ---------------------------------------------------------------------
    @staticmethod
    def _meeting_properties(meeting: CrmMeeting, outcome: str = "") -> dict[str, str]:
        return {
            "hs_timestamp": _ms(meeting.start),
            "hs_meeting_title": f"{meeting.meeting_type} with {meeting.name}",
            "hs_meeting_body": f"{meeting.answers_text()}\n\nRef: {meeting.ref}",
            "hs_meeting_location": meeting.location,
            "hs_meeting_start_time": _ms(meeting.start),
            "hs_meeting_end_time": _ms(meeting.end),
            "hs_meeting_outcome": outcome or OUTCOMES[meeting.outcome],
        }

    def find_meeting(self, ref: str) -> str:
        search = MeetingSearch(
            filter_groups=[
                MeetingFilterGroup(
                    filters=[
                        MeetingFilter(
                            property_name="hs_meeting_body", operator="CONTAINS_TOKEN", value=ref
                        )
                    ]
                )
            ],
            properties=["hs_meeting_body"],
            limit=1,
        )
        found = self._run(
            self.client.crm.objects.meetings.search_api.do_search,
            public_object_search_request=search,
        )
        return str(found.results[0].id) if found.results else ""

    def create_meeting(self, meeting: CrmMeeting, contact_id: str) -> str:
        body = MeetingCreate(
            properties=self._meeting_properties(meeting),
            associations=[
                MeetingAssociations(
                    to=MeetingObjectId(id=contact_id),
                    types=[
                        MeetingAssociationSpec(
                            association_category="HUBSPOT_DEFINED",
                            association_type_id=MEETING_TO_CONTACT,
                        )
                    ],
                )
            ],
        )
        created = self._run(
            self.client.crm.objects.meetings.basic_api.create,
            simple_public_object_input_for_create=body,
        )
        return str(created.id)

    def update_meeting(self, meeting_id: str, properties: dict[str, str]) -> None:
        self._run(
            self.client.crm.objects.meetings.basic_api.update,
            meeting_id,
            simple_public_object_input=MeetingInput(properties=properties),
        )

    # --- notes ------------------------------------------------------------------------
    def find_note(self, ref: str) -> str:
        search = NoteSearch(
            filter_groups=[
                NoteFilterGroup(
                    filters=[
                        NoteFilter(
                            property_name="hs_note_body", operator="CONTAINS_TOKEN", value=ref
                        )
                    ]
                )
            ],
            properties=["hs_note_body"],
            limit=1,
        )
        found = self._run(
            self.client.crm.objects.notes.search_api.do_search, public_object_search_request=search
        )
        return str(found.results[0].id) if found.results else ""

    def create_note(self, meeting: CrmMeeting, contact_id: str) -> str:
        text = meeting.answers_text().replace("\n", "<br>")
        body = NoteCreate(
            properties={
                "hs_timestamp": _ms(meeting.start),
                "hs_note_body": f"<p>{meeting.meeting_type} booked.</p><p>{text}</p>"
                f"<p>Ref: {meeting.ref}</p>",
            },
            associations=[
                NoteAssociations(
                    to=NoteObjectId(id=contact_id),
                    types=[
                        NoteAssociationSpec(
                            association_category="HUBSPOT_DEFINED",
                            association_type_id=NOTE_TO_CONTACT,
                        )
                    ],
                )
            ],
        )
        created = self._run(
            self.client.crm.objects.notes.basic_api.create,
            simple_public_object_input_for_create=body,
        )
        return str(created.id)

    # --- the CrmProvider protocol -----------------------------------------------------
    def push_meeting(self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds) -> CrmRecordIds:
        """Contact upserted by email, one meeting (at the booking's time, its outcome
        SCHEDULED, COMPLETED or NO_SHOW as the booking's status says) and one
        note with the answers, both associated with the contact. Idempotent: the upsert is
        keyed by email; meeting and note are reused by id or found by the booking's ref."""
        ids = known
        contact_id = self.upsert_contact(meeting)
        if contact_id != ids.contact_id:
            ids = ids.with_(contact_id=contact_id)
            save(ids)
        if not ids.meeting_id:
            found = self.find_meeting(meeting.ref)
            ids = ids.with_(meeting_id=found or self.create_meeting(meeting, contact_id))
            save(ids)
            if not found:
                return self._ensure_note(meeting, ids, save)
        self.update_meeting(ids.meeting_id, self._meeting_properties(meeting))
        return self._ensure_note(meeting, ids, save)

    def _ensure_note(self, meeting: CrmMeeting, ids: CrmRecordIds, save: SaveIds) -> CrmRecordIds:
        if ids.note_id:
            return ids
        note_id = self.find_note(meeting.ref) or self.create_note(meeting, ids.contact_id)
        ids = ids.with_(note_id=note_id)
        save(ids)
        return ids

    def cancel_meeting(
        self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds
    ) -> CrmRecordIds:
        """Set the meeting's outcome to CANCELED (found by ref when its id is unknown)."""
        ids = known
        if not ids.meeting_id:
            found = self.find_meeting(meeting.ref)
            if not found:
                return ids
            ids = ids.with_(meeting_id=found)
            save(ids)
        try:
            self.update_meeting(ids.meeting_id, self._meeting_properties(meeting, "CANCELED"))
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise  # deleted in HubSpot: nothing left to cancel
        return ids
