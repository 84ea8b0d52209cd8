"""What the booking use cases share: errors, the free-seller check, and `assign`, the one
guarded write (lock → re-check → live check → write) that create and reschedule go through."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from bookings import locks
from bookings.models import BLOCKING_STATUSES, COUNTED_STATUSES, Booking, BookingEvent
from config import sqlbatch
from config.errors import DomainError, Invalid
from config.shaped import Shaped
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


#: Who a service acts for: a signed-in user (staff or seller), or None for the party the
#: use case serves by default (the prospect booking or managing, the system finishing).
Actor = AbstractBaseUser | AnonymousUser | None


def signed_in(actor: Actor) -> bool:
    """Whether a signed-in user (staff or seller) acts, rather than the default party."""
    return actor is not None and actor.is_authenticated


def actor_label(actor: Actor, default: str) -> str:
    """What ``BookingEvent.actor`` records: ``staff:<username>``, ``seller:<username>`` or
    ``default`` when nobody signed in acted."""
    if actor is None or not signed_in(actor):
        return default
    role = "staff" if getattr(actor, "is_staff", False) else "seller"
    return f"{role}:{actor.get_username()}"


@dataclass(frozen=True)
class Slot:
    """A meeting's time and the range it blocks: the meeting widened by its buffers, which
    the exclusion constraint keeps free of overlap per seller."""

    start: dt.datetime
    end: dt.datetime
    blocked_start: dt.datetime
    blocked_end: dt.datetime

    @classmethod
    def of(cls, meeting_type: MeetingType, start: dt.datetime) -> Slot:
        end = start + dt.timedelta(minutes=meeting_type.duration)
        return cls(
            start=start,
            end=end,
            blocked_start=start - dt.timedelta(minutes=meeting_type.buffer_before),
            blocked_end=end + dt.timedelta(minutes=meeting_type.buffer_after),
        )


#: Writes the booking for the seller (row-locked, re-checked) with its routing decision.
Write = Callable[[Seller, RoutingDecision | None], Booking]


@dataclass(frozen=True)
class Claim:
    """What ``assign`` re-checks for every candidate before it calls ``write``.

    ``moving``: the booking being moved, whose own time and calendar event do not count
    against it. ``check_limits`` False (a staff override) skips the daily/weekly limits,
    never the overlap checks. ``live_check``: ask the calendar of a seller who has one
    (the row lock reads whether they do). ``one_statement``: the routing decision and
    what ``write`` writes after the booking row go out as one statement
    (``config.sqlbatch``): only for writes whose rows do not depend on each other.
    """

    meeting_type: MeetingType
    slot: Slot
    write: Write
    live_check: bool = True
    moving: Booking | None = None
    check_limits: bool = True
    one_statement: bool = False


class _Busy(Exception):
    """The seller turned out not to be free (nothing written yet): try the next one."""


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
    slot: Slot,
    exclude_booking_id: Any = None,
    check_limits: bool = True,
) -> bool:
    """The re-check under the seller's row lock, one query run after the lock (so it sees
    what the lock's previous holder committed): no blocking booking or external busy time
    in the blocked range, and (``check_limits``) the meeting type's daily and weekly limits
    not reached, counted in the seller's zone."""
    periods = _limit_periods(seller, meeting_type, slot.start) if check_limits else []
    values: dict[str, Any] = {
        "seller": seller.pk,
        "since": slot.blocked_start,
        "until": slot.blocked_end,
    }
    if exclude_booking_id is not None:
        values["exclude"] = exclude_booking_id
    if periods:
        values["meeting_type"] = meeting_type.pk
    for n, (first, after, _) in enumerate(periods):
        values |= {f"from_{n}": first, f"until_{n}": after}
    limits = tuple(limit for _, _, limit in periods)
    (reasons,) = _NOT_FREE.rows((limits, exclude_booking_id is not None), **values)
    return not any(reasons)


def _not_free(shape: tuple[tuple[int, ...], bool], **values: Any) -> QuerySet[Seller]:
    """`seller_is_free`'s read: whether the seller is booked, busy, or at each limit."""
    limits, _ = shape
    bookings = Booking.objects.filter(seller_id=values["seller"])
    if "exclude" in values:
        bookings = bookings.exclude(pk=values["exclude"])
    overlapping = bookings.filter(
        status__in=BLOCKING_STATUSES,
        blocked_start__lt=values["until"],
        blocked_end__gt=values["since"],
    )
    external = BusyInterval.objects.filter(
        seller_id=values["seller"], start__lt=values["until"], end__gt=values["since"]
    )
    reasons = {"booked": Exists(overlapping), "busy": Exists(external)}
    for n, limit in enumerate(limits):
        counted = bookings.filter(
            meeting_type_id=values["meeting_type"],
            status__in=COUNTED_STATUSES,
            start__gte=values[f"from_{n}"],
            start__lt=values[f"until_{n}"],
        )
        # At least ``limit`` of them: a row at offset limit - 1 (no count of them all).
        reasons[f"limit_{n}"] = Exists(counted[limit - 1 : limit])
    return Seller.objects.filter(pk=values["seller"]).annotate(**reasons).values_list(*reasons)


_NOT_FREE = Shaped(_not_free)


def _limit_periods(
    seller: Seller, meeting_type: MeetingType, start: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """The meeting type's daily and weekly limits around ``start``: (from, until, limit),
    as the seller's local day and ISO week."""
    tz = ZoneInfo(seller.timezone)
    local_day = start.astimezone(tz).date()
    periods = []
    if meeting_type.daily_limit:
        periods.append((local_day, local_day + dt.timedelta(days=1), meeting_type.daily_limit))
    if meeting_type.weekly_limit:
        monday = local_day - dt.timedelta(days=local_day.weekday())
        periods.append((monday, monday + dt.timedelta(days=7), meeting_type.weekly_limit))
    return [
        (
            dt.datetime.combine(first, dt.time(0), tzinfo=tz),
            dt.datetime.combine(after, dt.time(0), tzinfo=tz),
            limit,
        )
        for first, after, limit in periods
    ]


def unblocked_sellers(sellers: Sequence[Seller], slot: Slot) -> list[Seller]:
    """The sellers with no confirmed booking and no external busy time in the slot's
    blocked range (2 queries), whatever their hours say: who a staff override can book."""
    ids = [s.pk for s in sellers]
    taken = set(
        Booking.objects.filter(
            seller_id__in=ids,
            status__in=BLOCKING_STATUSES,
            blocked_start__lt=slot.blocked_end,
            blocked_end__gt=slot.blocked_start,
        ).values_list("seller_id", flat=True)
    ) | set(
        BusyInterval.objects.filter(
            seller_id__in=ids, start__lt=slot.blocked_end, end__gt=slot.blocked_start
        ).values_list("seller_id", flat=True)
    )
    free = [s for s in sellers if s.pk not in taken]
    if not free:
        raise slot_taken()
    return free


def live_calendar_check(
    seller: Seller,
    start: dt.datetime,
    end: dt.datetime,
    *,
    ignore: Sequence[tuple[dt.datetime, dt.datetime]] = (),
) -> tuple[bool | None, str]:
    """Layer three: the seller's external calendar asked live (short timeout, circuit
    breaker). ``(free, skipped)``: ``free`` is None when it cannot say (the database's word
    stands); ``skipped`` is empty unless the seller has a calendar that could not be asked
    (timeout, circuit open, provider trouble) — worth a ``recheck_skipped`` event.
    ``ignore``: the moved booking's own (start, end), whose event must not count."""
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


def assign(
    *,
    pool: routing.Pool,
    candidates: Sequence[CandidateStats],
    country: str,
    claim: Claim,
    record: bool = True,
    note: str = "",
    before: Callable[[], None] | None = None,
) -> tuple[Booking, Choice]:
    """Give the booking to the best candidate that can still take it, in one transaction.

    Order: the pool's strategy (round robin takes its turn first, moving the cursor in a
    short transaction of its own, so bookings of one pool do not queue behind each other's
    inserts; the turn is settled or handed back afterwards). For each candidate, in order
    and at most ``MAX_CANDIDATES``: take the ``seller:start`` lock (skipping candidates
    someone else is booking, then waiting for those on a second pass), then, in a
    savepoint, ``_claim`` (row lock, re-check, live check, ``claim.write``); a re-check
    failure or the exclusion constraint moves on to the next one. The usual case goes
    first, without a savepoint: the first candidate, its lock free, can take it; anything
    else rolls that back and runs the whole as described (without a candidate found busy).
    Locks are released after commit. Raises ``SlotUnavailable`` when nobody is left;
    ``DuplicateIdempotencyKey`` when a concurrent request with the same key won.
    """
    if record:
        choice, turn = routing.take_turn(pool, candidates, country=country)
    else:  # no routing decision (the booking keeps its seller): no turn either
        choice, turn = routing.choose(pool, candidates, country=country), None
    try:
        return _assign_in_order(pool, choice, turn, claim, record, note, before), choice
    except BaseException:
        if turn is not None:
            routing.release_turn(turn)
        raise


def _assign_in_order(
    pool: routing.Pool,
    choice: Choice,
    turn: routing.Turn | None,
    claim: Claim,
    record: bool,
    note: str,
    before: Callable[[], None] | None,
) -> Booking:
    """``assign``'s transaction: the candidates of ``choice`` in order, as described there."""
    sellers = {str(s.pk): s for s in pool.sellers}
    order = [sid for sid in choice.order if sid in sellers][:MAX_CANDIDATES]

    def decide(locked: Seller) -> RoutingDecision | None:
        if turn is not None:
            routing.settle_turn(turn, locked.pk)
        if not record:
            return None
        return routing.record_assignment(
            pool=pool,
            choice=choice,
            seller_id=locked.pk,
            note=note,
            calendars_broken=getattr(locked, "team_calendar_broken", None),
        )

    with ExitStack() as held:
        taken: set[str] = set()  # the ``seller:start`` locks this request holds

        def slot_locked(sid: str, wait_s: float) -> bool:
            if sid not in taken:
                lock = locks.slot_lock(sellers[sid].pk, claim.slot.start, wait_s=wait_s)
                if not held.enter_context(lock).acquired:
                    return False
                taken.add(sid)
            return True

        def try_one(sid: str, wait_s: float, savepoint: bool = True) -> Booking | bool:
            """The booking; or True when someone else holds the lock; False when busy."""
            if not slot_locked(sid, wait_s):
                return True
            team_id = pool.team_id if record else None
            return _attempt(sellers[sid], claim, decide, team_id, savepoint)

        def run(candidates: list[str], first_only: bool) -> Booking:
            with transaction.atomic():
                if before is not None:
                    before()
                if first_only:
                    outcome = try_one(candidates[0], 0.0, savepoint=False)
                    if isinstance(outcome, Booking):
                        return outcome
                    raise _TryAll(busy=False)  # someone else holds its lock
                contended = []
                for sid in candidates:
                    outcome = try_one(sid, 0.0)
                    if isinstance(outcome, Booking):
                        return outcome
                    if outcome:
                        contended.append(sid)
                for sid in contended:
                    outcome = try_one(sid, LOCK_WAIT_S)
                    if isinstance(outcome, Booking):
                        return outcome
                raise slot_taken()

        if order:
            try:
                return run(order, first_only=True)
            except _TryAll as exc:  # rolled back: a busy seller's row lock went with it
                if exc.busy:
                    order = order[1:]
        return run(order, first_only=False)


#: Decides the routing for the locked seller (and records it): the decision, or None.
Decide = Callable[[Seller], RoutingDecision | None]


class _TryAll(Exception):
    """The first candidate, tried without a savepoint, could not take it: roll the
    transaction back (its row lock with it) and try the candidates, each in a savepoint;
    ``busy``: it was found busy (not tried again)."""

    def __init__(self, *, busy: bool) -> None:
        super().__init__()
        self.busy = busy


def _attempt(
    seller: Seller, claim: Claim, decide: Decide, team_id: Any, savepoint: bool = True
) -> Booking | bool:
    """``_claim`` in a savepoint: the booking, or False when the seller turned out busy
    (the re-check, the live check or the exclusion constraint said so). Without
    ``savepoint`` (the first candidate's try: two statements fewer) a busy seller raises
    ``_TryAll``: the row lock must not be held while other sellers are tried (two requests
    holding each other's busy sellers would deadlock), and only a rollback releases it."""
    try:
        with transaction.atomic() if savepoint else nullcontext():
            return _claim(seller, claim, decide, team_id)
    except _Busy:
        if not savepoint:
            raise _TryAll(busy=True) from None
        return False
    except IntegrityError as exc:
        if is_idempotency_violation(exc):
            raise DuplicateIdempotencyKey from exc
        if is_overlap_violation(exc):
            if not savepoint:
                raise _TryAll(busy=True) from exc
            return False
        raise


def _claim(seller: Seller, claim: Claim, decide: Decide, team_id: Any) -> Booking:
    """Row-lock the seller, re-check, ask their calendar, then write. The row lock
    serialises what the exclusion constraint cannot say (daily/weekly limits): one booking
    of this seller at a time from here on."""
    slot, moving = claim.slot, claim.moving
    locked = _lock_seller(seller, team_id)
    if not seller_is_free(
        seller=locked,
        meeting_type=claim.meeting_type,
        slot=slot,
        exclude_booking_id=moving.pk if moving else None,
        check_limits=claim.check_limits,
    ):
        raise _Busy
    skipped = ""
    if claim.live_check and getattr(locked, "has_calendar", True):
        own_event = [(moving.start, moving.end)] if moving and moving.seller_id == locked.pk else []
        live, skipped = live_calendar_check(
            locked, slot.blocked_start, slot.blocked_end, ignore=own_event
        )
        if live is False:
            raise _Busy
    if claim.one_statement:
        with sqlbatch.collecting():
            booking = claim.write(locked, decide(locked))
    else:
        booking = claim.write(locked, decide(locked))
    if skipped:  # written on the database's word alone: say so
        add_event(booking, BookingEvent.Kind.RECHECK_SKIPPED, "system", reason=skipped)
    return booking


def _lock_seller(seller: Seller, team_id: Any) -> Seller:
    """Lock the seller's row until the transaction ends, reading with it what the rest of
    the claim would otherwise ask in queries of its own (none of it depends on the lock):
    ``has_calendar`` (any connection: worth a live check), ``calendar_active`` (the outbox's
    calendar target, ``bookings.outbox.registry``) and, for a team, ``team_calendar_broken``
    (whether the routing decision needs its note of who was left out). Returns ``seller``
    with those set (the pool's copy, read for this request)."""
    on_team = team_id is not None
    values = {"seller": seller.pk} | ({"team": team_id} if on_team else {})
    found = _SELLER_FACTS.rows(on_team, **values)
    if not found:  # deleted since the pool was read: nobody to book
        raise _Busy
    (facts,) = found
    names = ["has_calendar", "calendar_active", "team_calendar_broken"]
    vars(seller).update(zip(names, facts, strict=False))
    return seller


def _seller_facts(on_team: bool, **values: Any) -> QuerySet[Seller]:
    """`_lock_seller`'s read."""
    connections = CalendarConnection.objects.filter(seller=OuterRef("pk"))
    facts = {
        "has_calendar": Exists(connections),
        "calendar_active": Exists(connections.filter(status="active")),
    }
    if on_team:
        facts["team_calendar_broken"] = Exists(routing.calendar_broken_members(values["team"]))
    return (
        Seller.objects.select_for_update()
        .filter(pk=values["seller"])
        .annotate(**facts)
        .values_list(*facts)
    )


_SELLER_FACTS = Shaped(_seller_facts)


def add_event(booking: Booking, kind: str, actor: str, **data: Any) -> None:
    """Write one event of the booking (queued inside ``sqlbatch.collecting()``)."""
    event = BookingEvent(booking=booking, kind=kind, actor=actor[:100], data=data)
    sqlbatch.insert(BookingEvent, [event])
