"""Email confirmation before a booking counts (``BOOKING_EMAIL_CONFIRMATION``).

A prospect's booking is written ``pending`` (``create_booking``): it holds its time under
the exclusion constraint and counts against the daily, weekly and per-email limits, but
nothing else happens except the email carrying the manage link, whose page asks to
confirm. Confirming before ``confirm_by`` makes it a meeting (calendar, CRM, emails,
reminders, webhooks); a request nobody confirmed is deleted by the minute sweep, which
frees its time and announces it ``released`` (the waitlist offers it). A bot booking with
made-up addresses holds a slot for ``BOOKING_CONFIRMATION_MINUTES`` at most and never
reaches a seller's calendar.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bookings.changes import BookingChange, announce
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.services.common import NotActive, add_event
from bookings.services.create import make_it_count

LAPSED = "This booking was not confirmed in time and its time was released."


@transaction.atomic
def confirm_booking(
    *, booking: Booking, manage_token: str, now: dt.datetime | None = None
) -> Booking:
    """Make the pending ``booking`` (opened by ``manage_token``) count. Idempotent: an
    already confirmed booking is returned as it is. ``NotActive`` when it is cancelled or
    finished, or when its ``confirm_by`` has passed (its time is released)."""
    now = now or timezone.now()
    current = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("meeting_type__page", "seller")
        .filter(pk=booking.pk)
        .first()
    )
    if current is None:  # the sweep released it while this request waited for its lock
        raise NotActive(LAPSED)
    if current.status == BookingStatus.CONFIRMED:
        return current
    if current.status != BookingStatus.PENDING:
        raise NotActive(f"This booking is {current.get_status_display().lower()}.")
    if current.confirmation_lapsed(now):
        raise NotActive(LAPSED)
    current.status = BookingStatus.CONFIRMED
    current.confirm_by = None
    current.save(update_fields=["status", "confirm_by", "updated_at"])
    add_event(current, BookingEvent.Kind.CONFIRMED, "prospect")
    make_it_count(current, token=manage_token, actor="prospect")
    return current


@transaction.atomic
def release_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Delete the pending bookings whose ``confirm_by`` has passed (their events and the
    confirmation email's job go with them) and announce each as ``released``, so the
    waitlist offers the freed time; how many. Rows a confirmation holds locked right now
    are left to the next sweep. Idempotent."""
    lapsed = list(
        Booking.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("meeting_type")
        .filter(status=BookingStatus.PENDING, confirm_by__lte=now or timezone.now())
    )
    Booking.objects.filter(pk__in=[booking.pk for booking in lapsed]).delete()
    for booking in lapsed:
        announce(BookingChange(booking, "released", "system"))
    return len(lapsed)
