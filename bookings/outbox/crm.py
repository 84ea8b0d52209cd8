"""Outbox handlers for the CRM targets (see bookings.outbox.handlers for the contract)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookings import sync_status as booking_sync
from bookings.models import Booking, BookingStatus
from integrations.crm.base import CrmMeeting, CrmProvider, CrmRecordIds

if TYPE_CHECKING:
    from bookings.outbox.models import SyncJob

# Which booking fields hold each CRM's ids, in CrmRecordIds order.
_FIELDS = {
    "pipedrive": {
        "contact_id": "pipedrive_person_id",
        "deal_id": "pipedrive_deal_id",
        "meeting_id": "pipedrive_activity_id",
    },
    "hubspot": {
        "contact_id": "hubspot_contact_id",
        "meeting_id": "hubspot_meeting_id",
        "note_id": "hubspot_note_id",
    },
}


_OUTCOMES: dict[str, str] = {BookingStatus.COMPLETED: "completed", BookingStatus.NO_SHOW: "no_show"}


def crm_meeting(booking: Booking) -> CrmMeeting:
    """The booking as a CRM sees it."""
    questions = {q.get("key"): q for q in booking.meeting_type.questions or []}

    def label(key: str) -> str:
        question = questions.get(key) or {}
        return str(question.get("label") or key)

    answers = tuple(
        (label(key), ", ".join(map(str, value)) if isinstance(value, list) else str(value))
        for key, value in (booking.answers or {}).items()
    )
    return CrmMeeting(
        booking_id=str(booking.pk),
        name=booking.name,
        email=booking.email,
        phone=booking.phone,
        company=booking.company,
        meeting_type=booking.meeting_type.name,
        seller_name=booking.seller.name,
        seller_email=booking.seller.email,
        start=booking.start,
        end=booking.end,
        timezone=str(booking.timezone),
        location=booking.meeting_url or booking.location,
        answers=answers,
        notes=booking.notes,
        outcome=_OUTCOMES.get(booking.status, "scheduled"),
    )


def _run(job: SyncJob, crm: str, provider: CrmProvider) -> None:
    booking = (
        Booking.objects.select_related("meeting_type", "seller").filter(pk=job.booking_pk).first()
    )
    if booking is None:
        return  # deleted since: nothing to sync
    fields = _FIELDS[crm]
    known = CrmRecordIds(**{key: getattr(booking, name) for key, name in fields.items()})

    def save(ids: CrmRecordIds) -> None:
        booking_sync.record_external_ids(
            booking_id=booking.pk, **{name: getattr(ids, key) for key, name in fields.items()}
        )

    meeting = crm_meeting(booking)
    if job.action == "cancel" or booking.status == "cancelled":
        provider.cancel_meeting(meeting, known, save)
    else:
        provider.push_meeting(meeting, known, save)


def handle_pipedrive(job: SyncJob, provider: CrmProvider | None = None) -> None:
    """Person, deal and activity for the booking in Pipedrive; idempotent."""
    from integrations.crm.pipedrive import PipedriveClient

    _run(job, "pipedrive", provider or PipedriveClient.from_settings())


def handle_hubspot(job: SyncJob, provider: CrmProvider | None = None) -> None:
    """Contact, meeting and note for the booking in HubSpot; idempotent."""
    from integrations.crm.hubspot import HubSpotCrm

    _run(job, "hubspot", provider or HubSpotCrm.from_settings())
