"""What the booking use cases share: errors, the free-seller check, the guarded insert loop."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from bookings import locks
from bookings.models import COUNTED_STATUSES, Booking, BookingEvent, BookingStatus
from config.errors import DomainError, Invalid
from routing import services as routing
from routing.models import RoutingDecision
from routing.strategies import CandidateStats, Choice
from scheduling.engine import available_slots
from scheduling.models import MeetingType
from scheduling.selectors import meeting_rules, seller_calendars
from sellers.models import BusyInterval, CalendarConnection, Seller

logger = logging.getLogger(__name__)

#: How many candidates one request tries before answering 409 (each try is a few queries).
MAX_CANDIDATES = 5
#: How long to wait for a ``seller:start`` lock someone else holds, on the second pass.
LOCK_WAIT_S = 2.0
#: Name of the PostgreSQL exclusion constraint (bookings/migrations/0002).
OVERLAP_CONSTRAINT = "booking_no_overlap"


class SlotUnavailable(DomainError):
    code = "slot_unavailable"


class NotActive(DomainError):
    code = "not_active"


class FrequencyLimit(DomainError):
    code = "frequency_limit"


class TokenExpired(DomainError):
    code = "token_expired"


class DuplicateIdempotencyKey(Exception):
    """Another request committed the same Idempotency-Key first (resolved to a replay)."""


class _Busy(Exception):
    """The seller turned out not to be free: roll the savepoint back (and its row lock)."""


def slot_taken() -> SlotUnavailable:
    return SlotUnavailable(
        "Nobody can take this time any more. Please pick another slot.",
        {"start": ["This time was just taken."]},
    )


def window_for(start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The narrow window that asks the slot engine about exactly one start."""
    return start, start + dt.timedelta(seconds=1)


def free_sellers(
    meeting_type: MeetingType,
    sellers: Sequence[Seller],
    start: dt.datetime,
    *,
    now: dt.datetime,
    exclude_booking_id: Any = None,
) -> list[Seller]:
    """The sellers among ``sellers`` who can take ``start`` under every rule (4 queries).

    When nobody can, tells apart a start that is a real slot boundary someone took
    (409 ``slot_unavailable``) from one that was never offered (400 ``invalid``).
    """
    window_start, window_end = window_for(start)
    calendars = seller_calendars(
        meeting_type, sellers, window_start, window_end, exclude_booking_id=exclude_booking_id
    )
    rules = meeting_rules(meeting_type)
    free = set(available_slots(calendars, rules, window_start, window_end, now).get(start, ()))
    if free:
        return [s for s in sellers if s.pk in free]
    idle = [dataclasses.replace(c, busy=(), counted_starts=()) for c in calendars]
    if start in available_slots(idle, rules, window_start, window_end, now):
        raise slot_taken()
    raise Invalid(
        "This time is not an offered slot.",
        {"start": ["This time is not one of the offered slots for this meeting type."]},
    )


def seller_is_free(
    *,
    seller: Seller,
    meeting_type: MeetingType,
    start: dt.datetime,
    blocked_start: dt.datetime,
    blocked_end: dt.datetime,
    exclude_booking_id: Any = None,
) -> bool:
    """The re-check under the seller's row lock: no confirmed booking or external busy
    time in the blocked range, daily/weekly limits not reached (2–4 queries)."""
    overlapping = Booking.objects.filter(
        seller=seller,
        status=BookingStatus.CONFIRMED,
        blocked_start__lt=blocked_end,
        blocked_end__gt=blocked_start,
    )
    if exclude_booking_id is not None:
        overlapping = overlapping.exclude(pk=exclude_booking_id)
    if overlapping.exists():
        return False
    if BusyInterval.objects.filter(
        seller=seller, start__lt=blocked_end, end__gt=blocked_start
    ).exists():
        return False
    tz = ZoneInfo(seller.timezone)
    local_day = start.astimezone(tz).date()
    limits = []
    if meeting_type.daily_limit:
        limits.append((local_day, local_day + dt.timedelta(days=1), meeting_type.daily_limit))
    if meeting_type.weekly_limit:
        monday = local_day - dt.timedelta(days=local_day.weekday())
        limits.append((monday, monday + dt.timedelta(days=7), meeting_type.weekly_limit))
    for first, after, limit in limits:
        counted = Booking.objects.filter(
            seller=seller,
            meeting_type=meeting_type,
            status__in=COUNTED_STATUSES,
            start__gte=dt.datetime.combine(first, dt.time(0), tzinfo=tz),
            start__lt=dt.datetime.combine(after, dt.time(0), tzinfo=tz),
        )
        if exclude_booking_id is not None:
            counted = counted.exclude(pk=exclude_booking_id)
        if counted.count() >= limit:
            return False
    return True


def sellers_with_calendars(sellers: Sequence[Seller]) -> set[Any]:
    """Ids of the sellers with any calendar connection (1 query): only they need the live
    check, which costs several queries even when it has nothing to ask."""
    return set(
        CalendarConnection.objects.filter(seller__in=list(sellers)).values_list(
            "seller_id", flat=True
        )
    )


def live_calendar_free(seller: Seller, start: dt.datetime, end: dt.datetime) -> bool | None:
    """Layer three: the seller's external calendar asked live (short timeout, circuit
    breaker). None when it cannot say (no calendar, circuit open, provider trouble): the
    database's word stands."""
    try:
        from sellers.calendar.live_check import seller_is_free as live_check
    except ImportError:  # calendar integration not installed
        return None
    timeout = getattr(settings, "GOOGLE_LIVE_CHECK_TIMEOUT", 2.0)
    return live_check(seller, start, end, timeout=timeout)


def live_calendar_check(
    seller: Seller,
    start: dt.datetime,
    end: dt.datetime,
    *,
    ignore: Sequence[tuple[dt.datetime, dt.datetime]] = (),
) -> tuple[bool | None, str]:
    """``live_calendar_free`` plus why it was skipped: ``(free, skipped)`` where ``skipped``
    is empty unless the seller has a calendar that could not be asked (timeout, circuit
    open, provider trouble) — worth a ``recheck_skipped`` event. ``ignore``: the moved
    booking's own (start, end), whose event must not count against it."""
    try:
        from sellers.calendar.live_check import check
    except ImportError:  # calendar integration not installed
        return None, ""
    timeout = getattr(settings, "GOOGLE_LIVE_CHECK_TIMEOUT", 2.0)
    answer = check(seller, start, end, timeout=timeout, ignore=ignore)
    return answer.free, answer.reason if answer.skipped else ""


def is_overlap_violation(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT


def is_idempotency_violation(exc: IntegrityError) -> bool:
    """The unique Idempotency-Key, or the manage token derived from it (a random token
    never collides), was inserted by a concurrent request first."""
    diag = getattr(exc.__cause__, "diag", None)
    text = f"{getattr(diag, 'constraint_name', None) or ''} {exc}"
    return "idempotency_key" in text or "manage_token_hash" in text


Attempt = Callable[[Seller, Callable[[], RoutingDecision | None]], Booking]


def assign(
    *,
    pool: routing.Pool,
    candidates: Sequence[CandidateStats],
    start: dt.datetime,
    country: str,
    attempt: Attempt,
    record: bool = True,
    note: str = "",
    before: Callable[[], None] | None = None,
) -> tuple[Booking, Choice]:
    """Give the booking to the best candidate that can still take it, in one transaction.

    Order: the pool's strategy (round robin reads its cursor under a row lock held to the
    end of the transaction, so cursors advance one at a time). For each candidate, in order
    and at most ``MAX_CANDIDATES``: take the ``seller:start`` lock (skipping candidates
    someone else is booking, then waiting for those on a second pass), then ``attempt``
    in a savepoint, which locks the seller row, re-checks and writes; a re-check failure or
    the exclusion constraint moves on to the next one. Locks are released after commit.
    Raises ``SlotUnavailable`` when nobody is left; ``DuplicateIdempotencyKey`` when a
    concurrent request with the same key won.
    """
    sellers = {str(s.pk): s for s in pool.sellers}
    with ExitStack() as held, transaction.atomic():
        if before is not None:
            before()
        state = routing.locked_cursor(pool) if pool.strategy == "round_robin" else None
        choice = routing.choose(
            pool, candidates, country=country, cursor=state.last_seller_id if state else None
        )
        order = [sid for sid in choice.order if sid in sellers][:MAX_CANDIDATES]

        def decide(sid: str) -> Callable[[], RoutingDecision | None]:
            def run() -> RoutingDecision | None:
                if not record:
                    return None
                return routing.record_assignment(
                    pool=pool, choice=choice, seller_id=sellers[sid].pk, state=state, note=note
                )

            return run

        def try_one(sid: str, wait_s: float) -> Booking | bool:
            """The booking; or True when someone else holds the lock; False when busy."""
            lock = held.enter_context(locks.slot_lock(sellers[sid].pk, start, wait_s=wait_s))
            if not lock.acquired:
                return True
            try:
                with transaction.atomic():
                    return attempt(sellers[sid], decide(sid))
            except _Busy:
                return False
            except IntegrityError as exc:
                if is_idempotency_violation(exc):
                    raise DuplicateIdempotencyKey from exc
                if is_overlap_violation(exc):
                    return False
                raise

        contended = []
        for sid in order:
            outcome = try_one(sid, 0.0)
            if isinstance(outcome, Booking):
                return outcome, choice
            if outcome:
                contended.append(sid)
        for sid in contended:
            outcome = try_one(sid, LOCK_WAIT_S)
            if isinstance(outcome, Booking):
                return outcome, choice
        raise slot_taken()


def busy() -> _Busy:
    return _Busy()


def add_event(booking: Booking, kind: str, actor: str, **data: Any) -> BookingEvent:
    return BookingEvent.objects.create(booking=booking, kind=kind, actor=actor[:100], data=data)
