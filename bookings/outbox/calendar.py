"""Outbox handler for the ``calendar`` target: the booking's event in the seller's calendar.

create → insert with our own event id (``booking.id.hex``: Google ids are base32hex, and hex
is a subset), so a job run twice finds its event (409) and patches it instead of creating a
second one; a Google Meet room is requested when the booking's location is ``google_meet``.
update → patch (insert if missing). cancel → delete (already gone counts as done).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from bookings import sync_status as booking_sync
from bookings.models import Booking, BookingStatus
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import secret
from integrations.calendar import service_account
from integrations.calendar.base import (
    Attendee,
    EventRef,
    EventSpec,
    ProviderPermanentError,
    ProviderTransientError,
)
from sellers.calendar import connections

logger = logging.getLogger(__name__)

PROVIDER = "calendar"


def event_id_for(booking: Booking) -> str:
    return booking.id.hex


def handle(job: SyncJob) -> None:
    """Bring the booking's calendar event in line with ``job.action``.

    Changes the provider's calendar and, on create/update, the booking's
    ``calendar_event_id`` and ``meeting_url``. Idempotent. Raises ProviderTransientError
    (retry) or ProviderPermanentError (no calendar, revoked grant: the connection is then
    marked broken, bad request).
    """
    booking = (
        Booking.objects.select_related("seller", "meeting_type").filter(pk=job.booking_pk).first()
    )
    if booking is None:
        return
    target = connections.target_for(booking.seller)
    if target is None:
        raise ProviderPermanentError(PROVIDER, f"seller {booking.seller} has no active calendar")
    event_id = booking.calendar_event_id or event_id_for(booking)
    with connections.guarded(target.connection):
        if job.action == SyncJob.Action.CANCEL or booking.status == BookingStatus.CANCELLED:
            target.provider.delete_event(target.calendar_id, event_id)
            return
        spec = build_spec(
            booking, job.payload or {}, shared=target.shared, teams=_teams_in_event(target)
        )
        if job.action == SyncJob.Action.CREATE:
            ref = target.provider.create_event(target.calendar_id, event_id, spec)
        else:
            ref = target.provider.update_event(target.calendar_id, event_id, spec)
    _store(booking, ref, conference=spec.with_meet or spec.with_teams)
    if spec.with_meet and not ref.meet_url:
        # Google creates the room asynchronously now and then: retry to pick the link up.
        raise ProviderTransientError(PROVIDER, "Meet link not ready yet", retry_after=30)


def _teams_in_event(target: connections.Target) -> bool:
    """An Outlook calendar makes the Teams meeting itself, unless the app-only Teams video
    provider (MS_TENANT_ID) is set up: that one makes it, and one meeting is enough."""
    outlook = target.connection is not None and target.connection.provider == "outlook"
    return outlook and not settings.MS_TENANT_ID


def _store(booking: Booking, ref: EventRef, *, conference: bool) -> None:
    changes = {}
    if booking.calendar_event_id != ref.event_id:
        changes["calendar_event_id"] = ref.event_id
    if ref.meet_url and conference and booking.meeting_url != ref.meet_url:
        changes["meeting_url"] = ref.meet_url
    if changes:
        booking_sync.record_external_ids(booking_id=booking.pk, **changes)
        for name, value in changes.items():
            setattr(booking, name, value)


def build_spec(
    booking: Booking, payload: dict[str, Any], *, shared: bool = False, teams: bool = False
) -> EventSpec:
    """The event for ``booking``: prospect as attendee (and the seller on a shared calendar),
    answers and the manage link in the description, a Meet request for google_meet, a
    Teams meeting for teams when the calendar makes it (``teams``)."""
    # A service account without domain-wide delegation may not invite or make Meet rooms.
    invites = not shared or service_account.invites_allowed()
    attendees = [Attendee(booking.email, booking.name)] if invites else []
    if shared and invites:
        attendees.append(Attendee(booking.seller.email, booking.seller.name))
    who = f"{booking.name} ({booking.company})" if booking.company else booking.name
    return EventSpec(
        summary=f"{booking.meeting_type.name}: {who}",
        start=booking.start,
        end=booking.end,
        timezone=booking.timezone,
        description=_description(booking, secret(payload, "manage_url")),
        location=booking.location if booking.location_type in ("phone", "in_person") else "",
        attendees=tuple(attendees),
        with_meet=invites and booking.location_type == "google_meet",
        with_teams=teams and booking.location_type == "teams",
        request_id=booking.id.hex,
        booking_ref=booking.id.hex,
    )


def _description(booking: Booking, manage_url: str) -> str:
    lines = [f"Booked by {booking.name} <{booking.email}>"]
    if booking.company:
        lines.append(f"Company: {booking.company}")
    if booking.phone:
        lines.append(f"Phone: {booking.phone}")
    answers = booking.answers or {}
    items = answers.items() if isinstance(answers, dict) else enumerate(answers, 1)
    answer_lines = [f"- {question}: {_answer(value)}" for question, value in items]
    if answer_lines:
        lines += ["", "Answers:", *answer_lines]
    if booking.notes:
        lines += ["", "Notes:", booking.notes]
    if booking.meeting_url and booking.location_type != "google_meet":
        lines += ["", f"Join: {booking.meeting_url}"]
    if manage_url:
        lines += ["", f"Reschedule or cancel: {manage_url}"]
    return "\n".join(lines)


def _answer(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)
