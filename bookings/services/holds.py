"""Holds: a slot kept free for somebody (a waitlist offer) until they take it or let it go.

A hold is a ``Booking`` row with status ``held``: the exclusion constraint keeps it apart
from confirmed bookings (migration 0005), the slot selectors read it as busy time, and
``seller_is_free`` sees it — so nobody else can book it, by the same guarantee as a
booking. It carries no event, no outbox job and no announcement: it is not a meeting.
Placing goes through ``assign`` (``seller:start`` lock, row lock, re-check, write);
converting deletes the hold and books through ``create_booking`` in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from bookings import tokens
from bookings.models import Booking, BookingStatus
from bookings.services.common import Claim, NotActive, Slot, assign, free_sellers
from bookings.services.create import BookingResult, create_booking
from routing import services as routing
from routing.models import RoutingDecision
from routing.strategies import Fixed
from scheduling.models import MeetingType
from sellers.models import Seller


def place_hold(
    *,
    meeting_type: MeetingType,
    seller: Seller,
    start: dt.datetime,
    label: str,
    now: dt.datetime | None = None,
) -> Booking:
    """Hold ``start`` of ``meeting_type`` with ``seller`` (who must be free then under every
    rule): a ``held`` row, or ``SlotUnavailable`` / ``Invalid`` as a booking would get.

    No live calendar check: holds are placed for time our own booking just freed, whose
    event may still sit in the seller's calendar until the outbox removes it; the booking
    that converts the hold asks the calendar. ``label``: who it is held for (shown in the
    admin). Joins the caller's transaction when there is one.
    """
    now = now or timezone.now()
    free_sellers(meeting_type, [seller], start, now=now)
    slot = Slot.of(meeting_type, start)
    fields: dict[str, Any] = {
        "meeting_type": meeting_type,
        "status": BookingStatus.HELD,
        "start": slot.start,
        "end": slot.end,
        "blocked_start": slot.blocked_start,
        "blocked_end": slot.blocked_end,
        "timezone": meeting_type.page.timezone,
        "name": label[:200],
        "location_type": meeting_type.location_type,
        "source": Booking.Source.WAITLIST,
        # Never sent: a hold has no manage link, but the column is unique and required.
        "manage_token_hash": tokens.hash_token(tokens.new_token()),
        "manage_token_expires_at": slot.end,
    }

    def write(locked: Seller, decision: RoutingDecision | None) -> Booking:
        hold = Booking(**fields, seller=locked)
        hold.save(force_insert=True)
        return hold

    pool = routing.Pool(
        key=f"seller:{seller.pk}", strategy=Fixed.name, sellers=[seller], page=meeting_type.page
    )
    claim = Claim(meeting_type=meeting_type, slot=slot, write=write, live_check=False)
    stats = routing.candidate_stats([seller], now=now, with_arrival=False)
    hold, _ = assign(pool=pool, candidates=stats, country="", claim=claim, record=False)
    return hold


def release_hold(*, hold_id: Any) -> bool:
    """Free a held slot (delete its row). Idempotent: False when it was no longer held."""
    deleted, _ = Booking.objects.filter(pk=hold_id, status=BookingStatus.HELD).delete()
    return bool(deleted)


@transaction.atomic
def convert_hold(*, hold_id: Any, **booking: Any) -> BookingResult:
    """Turn a hold into a real booking of the same seller and time through
    ``create_booking`` (routing record, outbox: calendar, CRM, emails, SMS; ``booking``
    holds its keyword arguments: name, email, phone, timezone, source…). The hold row is
    locked and deleted first, in the same transaction: two converts of one hold give one
    booking, the other ``NotActive``; any booking error rolls the hold back into place."""
    hold = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("meeting_type__page__seller", "seller")
        .filter(pk=hold_id, status=BookingStatus.HELD)
        .first()
    )
    if hold is None:
        raise NotActive("This slot is no longer held.")
    meeting_type, seller, start = hold.meeting_type, hold.seller, hold.start
    hold.delete()
    return create_booking(meeting_type=meeting_type, seller=seller, start=start, **booking)
