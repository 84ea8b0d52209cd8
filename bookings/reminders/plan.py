"""Which reminders a booking gets and when: planned, moved and withdrawn as the booking
changes (the ``bookings.changes`` listener runs inside the booking service's transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db.models.constants import OnConflict
from django.utils import timezone

from bookings.changes import BookingChange
from bookings.models import Booking, BookingStatus, Reminder
from bookings.reminders import links
from bookings.reminders.quiet import QuietHours, adjust
from config import sqlbatch

Kind, Channel, Recipient, Status = (
    Reminder.Kind,
    Reminder.Channel,
    Reminder.Recipient,
    Reminder.Status,
)


def quiet_hours() -> QuietHours:
    return QuietHours.parse(settings.SMS_QUIET_HOURS, settings.SMS_QUIET_HOURS_EXEMPT)


def on_change(change: BookingChange) -> None:
    """The ``bookings.changes`` listener."""
    booking = change.booking
    if change.kind in ("created", "rescheduled"):
        links.remember_manage_link(booking, change.manage_url)
        if change.kind == "rescheduled":
            withdraw(booking, reason="rescheduled")
        plan(booking)
    elif change.kind == "cancelled":
        withdraw(booking, reason="cancelled")
    elif change.kind == "no_show":
        withdraw(booking, reason="no-show", kinds=[Kind.FOLLOW_UP])


def withdraw(booking: Booking, *, reason: str, kinds: list[str] | None = None) -> int:
    """Unsent, unclaimed rows stop; a row a sweep is sending finishes (its send-time
    check reads the booking as it is then)."""
    rows = Reminder.objects.filter(booking=booking, status=Status.PLANNED)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows.update(status=Status.WITHDRAWN, reason=reason)


def plan(booking: Booking, *, now: dt.datetime | None = None) -> list[Reminder]:
    """Write the booking's reminders for its current time and ``sequence`` (one statement,
    queued inside ``sqlbatch.collecting()``); idempotent."""
    now = now or timezone.now()
    rows = [
        row for row in _wanted(booking, now) if row.status == Status.SKIPPED or row.due_at > now
    ]
    sqlbatch.insert(Reminder, rows, on_conflict=OnConflict.IGNORE)
    return rows


def _wanted(booking: Booking, now: dt.datetime) -> Iterator[Reminder]:
    meeting_type = booking.meeting_type
    channels = [(Channel.EMAIL, Recipient.PROSPECT)]
    if booking.phone:
        channels.append((Channel.SMS, Recipient.PROSPECT))
    if meeting_type.remind_seller:
        channels.append((Channel.EMAIL, Recipient.SELLER))
    for offset in meeting_type.reminder_offsets or []:
        due = booking.start - dt.timedelta(minutes=offset)
        if due <= now:
            continue  # booked closer to the meeting than this offset
        for channel, recipient in channels:
            yield _row(booking, Kind.REMINDER, channel, recipient, offset, due)
    if meeting_type.follow_up_delay is not None:
        due = booking.end + dt.timedelta(minutes=meeting_type.follow_up_delay)
        yield _row(
            booking,
            Kind.FOLLOW_UP,
            Channel.EMAIL,
            Recipient.PROSPECT,
            meeting_type.follow_up_delay,
            due,
        )
    yield _row(booking, Kind.OUTCOME_PROMPT, Channel.EMAIL, Recipient.SELLER, 0, booking.end)


def _row(
    booking: Booking, kind: str, channel: str, recipient: str, offset: int, due: dt.datetime
) -> Reminder:
    row = Reminder(
        booking=booking,
        kind=kind,
        channel=channel,
        recipient=recipient,
        offset_minutes=offset,
        sequence=booking.sequence,
        due_at=due,
    )
    if channel == Channel.SMS:
        timing = adjust(due, booking.start, str(booking.timezone), quiet_hours())
        row.due_at = timing.due_at
        if timing.skip_reason:
            row.status, row.reason = Status.SKIPPED, timing.skip_reason
    return row


def still_wanted(reminder: Reminder) -> str:
    """Why a claimed row must not go out now ('' when it should): the booking may have
    moved or ended since it was planned."""
    booking = reminder.booking
    if reminder.sequence != booking.sequence:
        return "rescheduled"
    if reminder.kind == Kind.FOLLOW_UP:
        ok = booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
        return "" if ok else f"booking {booking.status}"
    if booking.status != BookingStatus.CONFIRMED:
        return f"booking {booking.status}"
    return ""
