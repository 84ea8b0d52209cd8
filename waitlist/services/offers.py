"""Offers: a freed time goes to the first entry waiting for it, held for them.

A booking of ours cancelled or moved away frees its time (``on_booking_change``, inside
the booking service's transaction, so the offer commits with the cancellation and its
text leaves right after). The first pending entry, in priority order (priority, then join
time), that waits for a start inside the freed time and whose party fits gets a hold
(``bookings.services.place_hold``: a ``held`` booking row), an offer link and a text. A
declined or lapsed offer releases the hold and offers the same time to the next entry.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.changes import BookingChange
from bookings.models import Booking
from bookings.services import (
    BookingResult,
    NotActive,
    convert_hold,
    create_booking,
    place_hold,
    release_hold,
)
from bookings.services.common import Slot
from bookings.tokens import manage_url
from config.errors import DomainError
from routing import services as routing
from sellers.models import Seller
from waitlist import events
from waitlist.models import WaitlistEntry, WaitlistSlot, WaitlistToken
from waitlist.services import messages, tokens
from waitlist.services.join import meeting_type_of, wanted_starts

logger = logging.getLogger(__name__)

#: How many fitting entries one freed time tries to hold for (each try is a few queries).
MAX_TRIES = 20


@dataclass(frozen=True)
class Freed:
    """Time a booking of ours gave back: a seller's blocked range, on a page."""

    page_id: Any
    seller_id: Any
    start: dt.datetime
    end: dt.datetime
    #: How many people the freed booking was for, when its form asked (``party_size``).
    capacity: int | None = None


def on_booking_change(change: BookingChange) -> None:
    """The ``bookings.changes`` listener: offer the time a cancellation, a reschedule or a
    lapsed unconfirmed booking freed. Runs inside the booking's transaction."""
    booking = change.booking
    if change.kind in ("cancelled", "released"):
        start, end, seller_id = booking.blocked_start, booking.blocked_end, booking.seller_id
    elif change.kind == "rescheduled" and change.previous_start and change.previous_end:
        slot = Slot.of(booking.meeting_type, change.previous_start)
        start, end = slot.blocked_start, slot.blocked_end
        seller_id = change.previous_seller_id or booking.seller_id
    else:
        return
    size = (booking.answers or {}).get("party_size")
    capacity = size if isinstance(size, int) and not isinstance(size, bool) else None
    offer_freed(Freed(booking.meeting_type.page_id, seller_id, start, end, capacity))


def offer_freed(freed: Freed, *, now: dt.datetime | None = None) -> list[WaitlistEntry]:
    """Hold times inside ``freed`` for the first entries waiting for them, and text each
    its offer after commit. Several entries can get offers when the freed time holds
    several of their meetings. The queue is read without locks (one query); an entry that
    fits is row-locked before its hold, and one being offered elsewhere right now is
    skipped (SKIP LOCKED). Returns the entries offered."""
    now = now or timezone.now()
    seller = Seller.objects.filter(pk=freed.seller_id).first()
    if freed.end <= now or seller is None:
        return []
    day = dt.timedelta(days=1)  # alternatives are on the requested day
    waiting = (
        WaitlistEntry.objects.select_related("slot__meeting_type__page")
        .filter(
            status=WaitlistEntry.Status.PENDING,
            slot__meeting_type__page_id=freed.page_id,
            requested_slot__gte=freed.start - day,
            requested_slot__lt=freed.end + day,
        )
        .order_by("priority", "created_at", "id")
    )
    offered, tries = [], 0
    for entry in waiting:
        starts = _fitting_starts(entry, freed, now)
        if not starts or (freed.capacity is not None and entry.party_size > freed.capacity):
            continue
        locked = (
            WaitlistEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("slot__meeting_type__page")
            .filter(pk=entry.pk, status=WaitlistEntry.Status.PENDING)
            .first()
        )
        if locked is None:
            continue
        tries += 1
        hold = next((h for h in (_try_hold(locked, seller, s) for s in starts) if h), None)
        if hold is not None:
            open_offer(locked, hold, now=now)
            offered.append(locked)
        if tries >= MAX_TRIES:
            break
    return offered


def _fitting_starts(entry: WaitlistEntry, freed: Freed, now: dt.datetime) -> list[dt.datetime]:
    """The entry's wanted future starts whose meeting fits inside the freed time, its
    requested time first."""
    meeting_type = meeting_type_of(entry)
    fitting = []
    for start in wanted_starts(entry):
        slot = Slot.of(meeting_type, start)
        if start > now and slot.blocked_start >= freed.start and slot.blocked_end <= freed.end:
            fitting.append(start)
    return sorted(fitting, key=lambda t: (t != entry.requested_slot, t))


def _try_hold(entry: WaitlistEntry, seller: Seller, start: dt.datetime) -> Booking | None:
    """A hold of ``start`` with ``seller`` for ``entry``, or None when it cannot be had
    (in a savepoint: a refusal leaves the transaction usable)."""
    try:
        with transaction.atomic():
            return place_hold(
                meeting_type=meeting_type_of(entry),
                seller=seller,
                start=start,
                label=f"Waitlist: {entry}",
            )
    except DomainError:
        return None


def open_offer(entry: WaitlistEntry, hold: Booking, *, now: dt.datetime) -> None:
    """Give ``hold`` to ``entry``: notified, a deadline ``WAITLIST_HOLD_MINUTES`` away (not
    past the start), an offer link valid until the start, a text after commit."""
    minutes = int(settings.WAITLIST_HOLD_MINUTES)
    entry.status = WaitlistEntry.Status.NOTIFIED
    entry.hold = hold
    entry.notified_at = now
    entry.response_deadline = min(now + dt.timedelta(minutes=minutes), hold.start)
    entry.save(update_fields=["status", "hold", "notified_at", "response_deadline", "updated_at"])
    token = tokens.mint(entry, WaitlistToken.Kind.OFFER, hold.start)
    events.offered(entry)
    body = messages.offer_text(entry, hold.start, minutes, tokens.link(token))
    messages.send_after_commit(entry, body)


def _locked(entry: WaitlistEntry) -> WaitlistEntry:
    return (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("slot__meeting_type__page", "hold")
        .get(pk=entry.pk)
    )


def _let_go(entry: WaitlistEntry, status: str, now: dt.datetime) -> None:
    """End ``entry``'s offer with ``status`` and offer its held time to the next entry."""
    hold = entry.hold
    entry.status = status
    entry.hold = None
    entry.save(update_fields=["status", "hold", "updated_at"])
    if hold is not None and release_hold(hold_id=hold.pk):
        page_id = meeting_type_of(entry).page_id
        offer_freed(Freed(page_id, hold.seller_id, hold.blocked_start, hold.blocked_end), now=now)


@transaction.atomic
def decline(*, entry: WaitlistEntry, token: WaitlistToken | None = None) -> WaitlistEntry:
    """The person does not want the time (an open offer goes to the next entry) and
    leaves the queue: ``declined``. ``NotActive`` once the entry is no longer waiting."""
    entry = _locked(entry)
    if entry.status not in WaitlistEntry.LIVE:
        raise NotActive("This waitlist entry is no longer waiting.")
    _consume(token)
    _let_go(entry, WaitlistEntry.Status.DECLINED, timezone.now())
    return entry


@transaction.atomic
def cancel_entry(*, entry: WaitlistEntry) -> WaitlistEntry:
    """Leave the list (``cancelled``); an open offer goes to the next entry. Idempotent."""
    entry = _locked(entry)
    if entry.status in WaitlistEntry.LIVE:
        _let_go(entry, WaitlistEntry.Status.CANCELLED, timezone.now())
    return entry


def sweep_lapsed_offers(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Offers past their deadline: ``expired``, hold released, time offered to the next
    entry — one transaction each. Safe to run concurrently (SKIP LOCKED). Returns how many."""
    now = now or timezone.now()
    done = 0
    for _ in range(limit):
        with transaction.atomic():
            entry = (
                WaitlistEntry.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("slot__meeting_type__page", "hold")
                .filter(status=WaitlistEntry.Status.NOTIFIED, response_deadline__lte=now)
                .order_by("response_deadline")
                .first()
            )
            if entry is None:
                break
            _let_go(entry, WaitlistEntry.Status.EXPIRED, now)
            done += 1
    return done


def _consume(token: WaitlistToken | None) -> None:
    """An offer link acts once."""
    if token is not None and token.kind == WaitlistToken.Kind.OFFER:
        WaitlistToken.objects.filter(pk=token.pk).update(consumed_at=timezone.now())


@transaction.atomic
def accept(
    *, entry: WaitlistEntry, email: Any = None, token: WaitlistToken | None = None
) -> BookingResult:
    """Book the offered time through the booking service (source ``waitlist``): the hold
    becomes the booking. After a lapse the time is booked if still free, else
    ``SlotUnavailable``. No offer ever made or entry no longer waiting: ``NotActive``. The
    entry row lock makes two accepts of one entry give one booking; the hold's, two
    entries."""
    entry = _locked(entry)
    now = timezone.now()
    live = entry.status == WaitlistEntry.Status.NOTIFIED
    lapsed = entry.status == WaitlistEntry.Status.EXPIRED or (
        live and entry.response_deadline is not None and entry.response_deadline <= now
    )
    start = entry.hold.start if entry.hold else _last_offered(entry)
    if not (live or lapsed) or start is None:
        raise NotActive("There is no open offer for this waitlist entry.")
    person = {
        "name": f"{entry.first_name} {entry.last_name}".strip(),
        "email": email or entry.email,
        "phone": entry.phone,
        "timezone": str(entry.timezone),
        "source": Booking.Source.WAITLIST,
    }
    if live and not lapsed and entry.hold is not None:
        result = convert_hold(hold_id=entry.hold.pk, **person)
    else:
        result = _book_lapsed(entry, start, person)
    _consume(token)
    _confirm(entry, result, now)
    return result


def _book_lapsed(entry: WaitlistEntry, start: dt.datetime, person: dict) -> BookingResult:
    """A late accept: free the entry's own stale hold, then book the time if anyone can."""
    if entry.hold is not None:
        release_hold(hold_id=entry.hold.pk)
    return create_booking(meeting_type=meeting_type_of(entry), start=start, **person)


def _last_offered(entry: WaitlistEntry) -> dt.datetime | None:
    """The start of the entry's last offer (its offer link expires at that start)."""
    last = entry.tokens.filter(kind=WaitlistToken.Kind.OFFER).order_by("-created_at").first()
    return last.expires_at if last else None


def _confirm(entry: WaitlistEntry, result: BookingResult, now: dt.datetime) -> None:
    booking = result.booking
    entry.status = WaitlistEntry.Status.CONFIRMED
    entry.booking = booking
    entry.booking_manage_url = manage_url(result.manage_token)
    entry.hold = None
    entry.confirmed_at = now
    fields = ["status", "booking", "booking_manage_url", "hold", "confirmed_at", "updated_at"]
    entry.save(update_fields=fields)
    WaitlistSlot.objects.filter(pk=entry.slot_id, start=booking.start).update(
        status=WaitlistSlot.Status.FILLED
    )
    events.confirmed(entry)


@transaction.atomic
def offer_now(*, entry: WaitlistEntry) -> bool:
    """Staff: offer the entry the first of its wanted times any seller of the page can take
    now (a hold, a text). False when none is free. ``NotActive`` unless pending."""
    entry = _locked(entry)
    if entry.status != WaitlistEntry.Status.PENDING:
        raise NotActive("Only a waiting entry can get an offer.")
    now = timezone.now()
    meeting_type = meeting_type_of(entry)
    sellers = routing.page_pool(meeting_type.page).sellers
    for start in sorted(t for t in wanted_starts(entry) if t > now):
        for seller in sellers:
            hold = _try_hold(entry, seller, start)
            if hold is not None:
                open_offer(entry, hold, now=now)
                return True
    return False
