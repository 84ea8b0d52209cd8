"""Booking services for what the outbox learns about a booking.

The outbox worker, its handlers and the admin's retry call these; they never write
``Booking`` or ``BookingEvent`` rows themselves. (A module of its own, not part of
``bookings.services``: the booking path enqueues into the outbox, so the outbox must not
import the booking path back.) ``flag`` names a pair of booking columns,
``<flag>_synced`` (when the booking has it) and ``<flag>_needs_manual_sync``.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, BookingEvent
from bookings.outbox.record import after_side_effect

# Provider record ids and the meeting link/place a provider hands back.
EXTERNAL_FIELDS = frozenset(
    {
        "calendar_event_id",
        "video_meeting_id",
        "meeting_url",
        "video_host_url",
        "location",
        "pipedrive_person_id",
        "pipedrive_deal_id",
        "pipedrive_activity_id",
        "hubspot_contact_id",
        "hubspot_meeting_id",
        "hubspot_note_id",
    }
)


def record_external_ids(*, booking_id: uuid.UUID, **values: str) -> None:
    """Store provider record ids (and the meeting link or place) on the booking. Only
    ``EXTERNAL_FIELDS``; no event (ids are bookkeeping, not a change the prospect sees)."""
    unknown = set(values) - EXTERNAL_FIELDS
    if unknown:
        raise ValueError(f"not a provider field of a booking: {sorted(unknown)}")
    if values:  # a record the provider has made: kept through a database restart
        after_side_effect(
            lambda: Booking.objects.filter(pk=booking_id).update(
                **values, updated_at=timezone.now()
            )
        )


@transaction.atomic
def mark_sync_failed(*, booking_id: uuid.UUID, flag: str, data: dict) -> None:
    """Flag the booking for manual sync of ``flag`` and record why (``data``)."""
    Booking.objects.filter(pk=booking_id).update(
        **{f"{flag}_needs_manual_sync": True}, updated_at=timezone.now()
    )
    BookingEvent.objects.create(
        booking_id=booking_id, kind=BookingEvent.Kind.MANUAL_SYNC_NEEDED, actor="system", data=data
    )


@transaction.atomic
def mark_synced(*, booking_id: uuid.UUID, flag: str, clear_manual_sync: bool, data: dict) -> None:
    """Set ``<flag>_synced`` (when the booking has it), clear the manual-sync flag unless
    another failure still holds it, and record the sync."""
    flags: dict[str, object] = {}
    if hasattr(Booking, f"{flag}_synced"):
        flags[f"{flag}_synced"] = True
    if clear_manual_sync:
        flags[f"{flag}_needs_manual_sync"] = False
    Booking.objects.filter(pk=booking_id).update(**flags, updated_at=timezone.now())
    BookingEvent.objects.create(
        booking_id=booking_id, kind=BookingEvent.Kind.SYNCED, actor="system", data=data
    )


@transaction.atomic
def clear_manual_sync(*, booking_id: uuid.UUID, flag: str, actor: str, data: dict) -> None:
    """Staff retry a failed sync: the booking no longer waits for a manual one."""
    Booking.objects.filter(pk=booking_id).update(
        **{f"{flag}_needs_manual_sync": False}, updated_at=timezone.now()
    )
    BookingEvent.objects.create(
        booking_id=booking_id, kind=BookingEvent.Kind.NOTE, actor=actor, data=data
    )
