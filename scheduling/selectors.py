"""Reads for slot computation: who is eligible, what their calendars hold, which slots are
offered. Query counts are constant whatever the team size (see tests/scheduling).

`offered_slots` is the contract the booking service builds on: it asks for a narrow window
around one start to check that the start is an offered boundary and to get its candidates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import astuple
from itertools import groupby
from operator import itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, connections
from django.db.models import BigIntegerField, F, Func, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast

from config.shaped import Shaped
from scheduling import cache as slot_cache
from scheduling import hooks
from scheduling.eligibility import eligible_by_country
from scheduling.engine import available_slots, explain_day
from scheduling.engine.values import (
    BusyTime,
    DayOverride,
    MeetingRules,
    SellerCalendar,
    SlotExplanation,
    WeeklyRule,
)
from scheduling.models import (
    AvailabilityOverride,
    AvailabilityRule,
    MeetingType,
    SchedulingPage,
)
from sellers.models import BusyInterval, Seller
from sellers.ranges import overlapping

T = TypeVar("T")

SlotMap = dict[dt.datetime, tuple[uuid.UUID, ...]]

#: Daily and weekly limits count whole local days and ISO weeks (up to 6 days either side of
#: a slot) in zones up to ±14 h from UTC: 8 days around the window holds every counted start.
LIMIT_PADDING = dt.timedelta(days=8)
#: Local dates of the window in any zone lie within a day of its UTC dates.
DATE_PADDING = dt.timedelta(days=1)


def meeting_rules(meeting_type: MeetingType) -> MeetingRules:
    """The engine's view of a meeting type's booking rules."""
    return MeetingRules(
        duration=meeting_type.duration,
        slot_interval=meeting_type.slot_interval,
        buffer_before=meeting_type.buffer_before,
        buffer_after=meeting_type.buffer_after,
        min_notice=meeting_type.min_notice,
        max_days_ahead=meeting_type.max_days_ahead,
        daily_limit=meeting_type.daily_limit,
        weekly_limit=meeting_type.weekly_limit,
    )


def public_page(slug: str) -> SchedulingPage:
    """An active page with its host and active meeting types (2 queries).

    Raises SchedulingPage.DoesNotExist for an unknown or inactive page.
    """
    active_types = MeetingType.objects.filter(is_active=True).order_by("order", "name")
    return (
        SchedulingPage.objects.select_related("seller")
        .prefetch_related(Prefetch("meeting_types", queryset=active_types))
        .get(slug=slug, is_active=True)
    )


def public_meeting_type(page_slug: str, meeting_type_slug: str) -> MeetingType:
    """An active meeting type of an active page, with its page and host (1 query, none
    while the process has it memoised: `scheduling.cache.memo`).

    Raises MeetingType.DoesNotExist otherwise.
    """

    def read() -> MeetingType | None:
        return (
            MeetingType.objects.select_related("page", "page__seller")
            .filter(
                page__slug=page_slug, page__is_active=True, slug=meeting_type_slug, is_active=True
            )
            .first()
        )

    found = slot_cache.memo(("meeting type", page_slug, meeting_type_slug), read)
    if found is None:
        raise MeetingType.DoesNotExist(f"No active meeting type {page_slug}/{meeting_type_slug}.")
    return found


def team_members(team_id: Any) -> list[Seller]:
    """The active members of a team whose calendar connection is not broken, ordered by id
    (1 query, none while the process has them memoised: `scheduling.cache.memo`). Their
    ``last_assigned_at`` may be older than the row's (routing writes it without a token
    bump): read it from the database where it matters."""

    def read() -> list[Seller]:
        return list(
            Seller.objects.filter(memberships__team=team_id, is_active=True)
            # A calendar we cannot read (broken connection) is never treated as free.
            .exclude(calendars__status="broken")
            .distinct()
            .order_by("id")
        )

    return slot_cache.memo(("team members", str(team_id)), read)


def eligible_sellers(page: SchedulingPage, *, country: str | None = None) -> list[Seller]:
    """The active sellers who may take a meeting of this page (at most 1 query).

    Personal page: its seller. Team page: its active members whose calendar connection is
    not broken; on a `by_country` page only those in the prospect's country, else its
    region, else all of them (`scheduling.eligibility.eligible_by_country`). Ordered by id.
    """
    if page.seller_id is not None:
        seller = page.seller
        return [seller] if seller is not None and seller.is_active else []
    sellers = team_members(page.team_id)
    if hooks.narrows_by_country(page.routing):
        sellers = eligible_by_country(sellers, country)
    return sellers


class Zoned(Protocol):
    """What `seller_calendars` reads of a seller."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def timezone(self) -> str: ...


def seller_calendars(
    meeting_type: MeetingType,
    sellers: Sequence[Zoned],
    window_start: dt.datetime,
    window_end: dt.datetime,
    *,
    exclude_booking_id: uuid.UUID | None = None,
) -> list[SellerCalendar]:
    """What the engine needs to know about each seller for slots in [window_start,
    window_end): 4 queries for any number of sellers (0 when there are none).

    - rules: weekly hours; overrides: the seller's own and everyone's, on every local date
      the window can touch;
    - busy: confirmed bookings of any meeting type, widened by their own buffers
      (`blocked_start`/`blocked_end`), and external busy time (`BusyInterval`), wherever
      they could touch a slot of the window with its buffers, as one `BusyTime` each;
    - counted_starts: starts of the seller's bookings of THIS meeting type in the ISO weeks
      around the window, for the daily and weekly limits.
    `exclude_booking_id`: a booking being rescheduled neither blocks nor counts.
    """
    if not sellers:
        return []
    ids = [seller.id for seller in sellers]
    reach = _Reach.of(meeting_type, window_start, window_end)
    rules = _weekly_rules(ids)
    own, everyone = _day_overrides(ids, reach)
    busy, counted = _booked_time(meeting_type, ids, reach, exclude_booking_id)
    _add_external_busy(busy, ids, reach)
    calendars = []
    for seller in sellers:
        key = str(seller.id)
        calendars.append(
            SellerCalendar(
                seller_id=seller.id,
                timezone=seller.timezone,
                rules=rules.get(key, ()),
                overrides=(*own.get(key, ()), *everyone),
                busy=BusyTime.from_pairs(busy[key]),
                counted_starts=tuple(counted[key]),
            )
        )
    return calendars


class _Reach(NamedTuple):
    """How far around a window each kind of row can matter."""

    busy_from: dt.datetime  # busy time up to a slot's buffer and duration away
    busy_to: dt.datetime
    count_from: dt.datetime  # counted bookings: the ISO weeks around the window
    count_to: dt.datetime
    first_date: dt.date  # overrides: every local date the window can touch
    last_date: dt.date

    @classmethod
    def of(cls, meeting_type: MeetingType, start: dt.datetime, end: dt.datetime) -> _Reach:
        before = dt.timedelta(minutes=meeting_type.buffer_before)
        after = dt.timedelta(minutes=meeting_type.duration + meeting_type.buffer_after)
        return cls(
            busy_from=start - before,
            busy_to=end + after,
            count_from=start - LIMIT_PADDING,
            count_to=end + LIMIT_PADDING,
            first_date=(start - DATE_PADDING).astimezone(dt.UTC).date(),
            last_date=(end + DATE_PADDING).astimezone(dt.UTC).date(),
        )


#: Per seller id (as text): busy time as (start, end) epoch seconds, any order.
BusyPairs = defaultdict[str, list[tuple[int, int]]]


#: Per seller id (as text): what `memo` hands every caller as it is, so read-only.
PerSeller = Mapping[str, tuple[T, ...]]


def _weekly_rules(ids: list[uuid.UUID]) -> PerSeller[WeeklyRule]:
    """Each seller's weekly hours (1 query, none while memoised: they change rarely)."""

    def read() -> PerSeller[WeeklyRule]:
        rules: defaultdict[str, list[WeeklyRule]] = defaultdict(list)
        # No ordering: the model's (by seller name) would join the sellers for nothing.
        for seller_id, weekday, start, end in (
            AvailabilityRule.objects.filter(seller_id__in=ids)
            .order_by()
            .values_list("seller_id", "weekday", "start", "end")
        ):
            rules[str(seller_id)].append(WeeklyRule(weekday, start, end))
        return _frozen(rules)

    key = ("weekly rules", _ids_key(ids))
    return slot_cache.memo(key, read, also=[slot_cache.HOURS], copy=False)


def _day_overrides(
    ids: list[uuid.UUID], reach: _Reach
) -> tuple[PerSeller[DayOverride], tuple[DayOverride, ...]]:
    """Each seller's own overrides, and those for everyone (1 query, none while
    memoised)."""

    def read() -> tuple[PerSeller[DayOverride], tuple[DayOverride, ...]]:
        own: defaultdict[str, list[DayOverride]] = defaultdict(list)
        everyone: list[DayOverride] = []
        for seller_id, day, from_time, to_time, available in AvailabilityOverride.objects.filter(
            Q(seller_id__in=ids) | Q(seller__isnull=True),
            date__gte=reach.first_date,
            date__lte=reach.last_date,
        ).values_list("seller_id", "date", "start", "end", "available"):
            override = DayOverride(day, from_time, to_time, available)
            (everyone if seller_id is None else own[str(seller_id)]).append(override)
        return _frozen(own), tuple(everyone)

    key = ("day overrides", _ids_key(ids), reach.first_date, reach.last_date)
    return slot_cache.memo(key, read, also=[slot_cache.HOURS], copy=False)


def _frozen(lists: Mapping[str, list[T]]) -> PerSeller[T]:
    return MappingProxyType({key: tuple(values) for key, values in lists.items()})


def _ids_key(ids: Sequence[uuid.UUID]) -> str:
    """A short memo key for a set of sellers."""
    return hashlib.sha256(",".join(sorted(map(str, ids))).encode()).hexdigest()


def _booked_time(
    meeting_type: MeetingType,
    ids: list[uuid.UUID],
    reach: _Reach,
    exclude_booking_id: uuid.UUID | None,
) -> tuple[BusyPairs, defaultdict[str, list[dt.datetime]]]:
    """Busy time of booked meetings, and the starts that count towards the limits (from the
    source the bookings app registers, `hooks.booked_time`)."""
    busy: BusyPairs = defaultdict(list)
    counted: defaultdict[str, list[dt.datetime]] = defaultdict(list)
    source = hooks.booked_time()
    if source is None:
        return busy, counted
    limited = meeting_type.daily_limit is not None or meeting_type.weekly_limit is not None
    at = _instants()
    if connection.vendor == "postgresql":
        # One row per seller: what blocks and what counts, as arrays (no step per booking).
        values: dict[str, Any] = {
            "ids": ids,
            "busy_from": reach.busy_from,
            "busy_to": reach.busy_to,
            "meeting_type": meeting_type.id,
        }
        if limited:
            values |= {"count_from": reach.count_from, "count_to": reach.count_to}
        if exclude_booking_id is not None:
            values["exclude"] = exclude_booking_id
        for seller_id, starts, ends, counted_starts in _BOOKED_ARRAYS.rows(
            (limited, exclude_booking_id is not None), **values
        ):
            busy[seller_id].extend(zip(starts, ends, strict=True))
            counted[seller_id].extend(map(at, counted_starts))
        return busy, counted
    query = hooks.BookedTimeQuery(
        seller_ids=ids,
        busy_from=reach.busy_from,
        busy_to=reach.busy_to,
        meeting_type_id=meeting_type.id if limited else None,
        count_from=reach.count_from,
        count_to=reach.count_to,
        exclude_booking_id=exclude_booking_id,
    )
    rows, blocking = source.rows(query).order_by(), source.blocking_statuses
    busy_lo, busy_hi = reach.busy_from.timestamp(), reach.busy_to.timestamp()
    type_id = str(meeting_type.id)
    for seller_id, status, booked_type, start, blocked_start, blocked_end in _instant_rows(
        rows,
        ["seller_id", "status", "meeting_type_id"],
        [("start", "FLOOR"), ("blocked_start", "FLOOR"), ("blocked_end", "CEIL")],
    ):
        if status in blocking and blocked_start < busy_hi and blocked_end > busy_lo:
            busy[seller_id].append((blocked_start, blocked_end))
        if booked_type == type_id:
            counted[seller_id].append(at(start))
    return busy, counted


def _booked_arrays(shape: tuple[bool, bool], **values: Any) -> QuerySet[Any]:
    """`_booked_time`'s read on PostgreSQL: per seller, the blocked ranges of what blocks
    and the starts of what counts towards the limits, as arrays of epoch seconds."""
    source = hooks.booked_time()
    assert source is not None
    limited, _ = shape
    query = hooks.BookedTimeQuery(
        seller_ids=values["ids"],
        busy_from=values["busy_from"],
        busy_to=values["busy_to"],
        meeting_type_id=values["meeting_type"] if limited else None,
        # Read only with a meeting type (limited): otherwise absent, as Shaped requires.
        count_from=values.get("count_from", values["busy_from"]),
        count_to=values.get("count_to", values["busy_to"]),
        exclude_booking_id=values.get("exclude"),
    )
    blocks = Q(
        status__in=source.blocking_statuses,
        blocked_start__lt=values["busy_to"],
        blocked_end__gt=values["busy_from"],
    )
    counts = Q(meeting_type_id=values["meeting_type"])
    return _per_seller(
        source.rows(query).order_by(),
        ArrayAgg(_epoch("blocked_start", "FLOOR"), filter=blocks, default=Value([])),
        ArrayAgg(_epoch("blocked_end", "CEIL"), filter=blocks, default=Value([])),
        ArrayAgg(_epoch("start", "FLOOR"), filter=counts, default=Value([])),
    )


_BOOKED_ARRAYS = Shaped(_booked_arrays)


def _add_external_busy(busy: BusyPairs, ids: list[uuid.UUID], reach: _Reach) -> None:
    """Adds the sellers' external calendar busy time (`BusyInterval`) to `busy`.

    The bulk of the rows (a month of a large team is tens of thousands). On PostgreSQL the
    database groups them into one row per seller with two arrays of epoch seconds (no sort,
    which spilled to disk for a 200-seller month, and a few hundred rows to fetch instead
    of tens of thousands); elsewhere they are grouped here.
    """
    if connection.vendor == "postgresql":
        for seller_id, starts, ends in _BUSY_ARRAYS.rows(
            ids=ids, since=reach.busy_from, until=reach.busy_to
        ):
            busy[seller_id].extend(zip(starts, ends, strict=True))
        return
    rows = _instant_rows(
        _external_busy(ids, reach.busy_from, reach.busy_to).order_by("seller_id"),
        ["seller_id"],
        [("start", "FLOOR"), ("end", "CEIL")],
    )
    # Grouped by seller and cut to (start, end) by groupby() and map() in C.
    for seller_id, group in groupby(rows, key=_first):
        busy[seller_id].extend(map(_start_end, group))


def _external_busy(ids: list[uuid.UUID], since: dt.datetime, until: dt.datetime) -> QuerySet[Any]:
    """The sellers' external busy time overlapping [since, until)."""
    external, window = overlapping(
        BusyInterval.objects.filter(seller_id__in=ids), "start", "end", since, until
    )
    return external.filter(window).order_by()


_BUSY_ARRAYS = Shaped(
    lambda shape, ids, since, until: _per_seller(
        _external_busy(ids, since, until),
        ArrayAgg(_epoch("start", "FLOOR")),
        ArrayAgg(_epoch("end", "CEIL")),
    )
)


def _per_seller(queryset: QuerySet[Any], *arrays: ArrayAgg) -> QuerySet[Any]:
    """PostgreSQL only: the rows of `queryset` (with a `seller_id`) grouped by seller, as
    (seller id as text, *one list per aggregate in `arrays`)."""
    return queryset.values_list(Cast("seller_id", TextField())).annotate(
        **{f"array_{n}": array for n, array in enumerate(arrays)}
    )


def _epoch(name: str, rounding: str) -> Func:
    """Whole epoch seconds of a timestamptz column, FLOORed or CEILed, computed by
    PostgreSQL (`date_part` gives a float, cheaper for the database than EXTRACT's numeric)."""
    return Func(
        F(name),
        template=f"{rounding}(date_part('epoch', %(expressions)s))::bigint",
        output_field=BigIntegerField(),
    )


_first, _start_end = itemgetter(0), itemgetter(1, 2)


def _instants() -> Callable[[int], dt.datetime]:
    """Epoch seconds → aware UTC datetime, made once per distinct value (team members'
    calendars share many boundaries: meetings on the hour, company events)."""
    made: dict[int, dt.datetime] = {}
    from_seconds = dt.datetime.fromtimestamp

    def at(seconds: int) -> dt.datetime:
        value = made.get(seconds)
        if value is None:
            value = made[seconds] = from_seconds(seconds, dt.UTC)
        return value

    return at


def _instant_rows(
    queryset: QuerySet[Any], fields: Sequence[str], instants: Sequence[tuple[str, str]]
) -> list[tuple[Any, ...]]:
    """Rows of `fields` as text, then of `instants` as whole epoch seconds, FLOORed for
    starts and CEILed for ends (so busy time is never narrowed).

    On PostgreSQL the database converts and the rows come straight from the cursor: loading
    timestamptz values and running Django's per-row converters cost several times more
    than the slot computation itself for a large team. Elsewhere (the SQLite default) the same rows
    are built in Python.
    """
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        columns = [Cast(name, output_field=TextField()) for name in fields] + [
            _epoch(name, rounding) for name, rounding in instants
        ]
        query = queryset.values_list(*columns).query
        sql, params = query.get_compiler(using=queryset.db).as_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    rounders = [math.floor if rounding == "FLOOR" else math.ceil for _, rounding in instants]
    return [
        (
            *(None if value is None else str(value) for value in row[: len(fields)]),
            *(
                rnd(value.timestamp())
                for rnd, value in zip(rounders, row[len(fields) :], strict=True)
            ),
        )
        for row in queryset.values_list(*fields, *(name for name, _ in instants))
    ]


def offered_slots(
    meeting_type: MeetingType,
    window_start: dt.datetime,
    window_end: dt.datetime,
    *,
    now: dt.datetime,
    country: str | None = None,
    exclude_booking_id: uuid.UUID | None = None,
) -> SlotMap:
    """Every slot start in [window_start, window_end) that an eligible seller can take,
    mapped to the ids of the sellers free for it (UTC starts, in order).

    At most 5 queries (sellers, rules, overrides, bookings, busy time); uncached. Pass the
    meeting type with its page (`select_related("page", "page__seller")`).
    """
    sellers = eligible_sellers(meeting_type.page, country=country)
    calendars = seller_calendars(
        meeting_type, sellers, window_start, window_end, exclude_booking_id=exclude_booking_id
    )
    if not calendars:
        return {}
    slots = available_slots(calendars, meeting_rules(meeting_type), window_start, window_end, now)
    return cast(SlotMap, slots)  # the engine returns the seller ids it was given: UUIDs


def _day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The first and last instants local midnight of `day` can name in `tz`, in UTC.

    A midnight skipped or repeated by a clock change has two readings; taking the earliest
    start and the latest end never loses a slot of the date (slots are filtered by date).
    """
    readings = [
        dt.datetime.combine(day, dt.time(0), tzinfo=tz).replace(fold=fold).astimezone(dt.UTC)
        for fold in (0, 1)
    ]
    return min(readings), max(readings)


class SlotsAnswer(NamedTuple):
    """The public slots answer, rendered: JSON bytes and their strong ETag (quoted)."""

    body: bytes
    etag: str


def slot_days(
    meeting_type: MeetingType,
    start: dt.date,
    end: dt.date,
    timezone: str,
    *,
    now: dt.datetime,
    country: str | None = None,
    exclude_booking_id: uuid.UUID | None = None,
) -> SlotsAnswer:
    """The public slots answer, ``{"timezone", "duration", "days": [{"date", "slots"}]}``
    with every date from `start` to `end` in `timezone` and slot starts in that zone, as
    JSON bytes with a strong ETag (a hash of the bytes).

    Cached (see scheduling.cache) under everything the answer depends on, with the version
    tokens of the roster, of "everyone" and of every eligible seller read before computing
    it, so a write never leaves a stale slot. Warm: no query (the caller has the meeting
    type) and 2 cache round trips; cold: at most 5 queries.
    """
    _, answer = _cached_slot_days(
        meeting_type, start, end, timezone, now, country, exclude_booking_id
    )
    return answer


def request_slot_days(
    request_key: str,
    pages_token: int | None,
    meeting_type: MeetingType,
    start: dt.date,
    end: dt.date,
    timezone: str,
    *,
    now: dt.datetime,
    country: str | None = None,
) -> SlotsAnswer:
    """`slot_days`, also cached under `request_key` (`scheduling.cache.request_key` of the
    request's URL), where `scheduling.cache.request_answer` finds it with no query at all.

    `pages_token`: the pages token (`versions(())`) read BEFORE the meeting type, so an
    edit of the page or meeting type after that read retires the entry; None: the cache
    is unreachable, store nothing.
    """
    tokens, answer = _cached_slot_days(meeting_type, start, end, timezone, now, country, None)
    if tokens is not None and pages_token is not None:
        slot_cache.put_request_answer(
            request_key, {**tokens, slot_cache.PAGES: pages_token}, answer
        )
    return answer


def _cached_slot_days(
    meeting_type: MeetingType,
    start: dt.date,
    end: dt.date,
    timezone: str,
    now: dt.datetime,
    country: str | None,
    exclude_booking_id: uuid.UUID | None,
) -> tuple[slot_cache.Tokens | None, SlotsAnswer]:
    """The answer of `slot_days` with the tokens it holds under (None: not cacheable)."""
    key = _slots_key(meeting_type, start, end, timezone, now, country, exclude_booking_id)
    cached = slot_cache.cached_answer(key)
    if cached is not None:
        held, cached_body = cached
        return held, SlotsAnswer(*cached_body)
    # Read before the rows they vouch for: a write landing in between leaves tokens that
    # no longer match, never an answer that looks current.
    shared = slot_cache.versions(())
    sellers = eligible_sellers(meeting_type.page, country=country)
    own = slot_cache.versions(seller.id for seller in sellers)
    days = _offered_days(meeting_type, sellers, start, end, timezone, now, exclude_booking_id)
    body = json.dumps(
        {"timezone": timezone, "duration": meeting_type.duration, "days": days},
        separators=(",", ":"),
    ).encode()
    answer = SlotsAnswer(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
    if shared is None or own is None:
        return None, answer
    tokens = {**own, **shared}
    slot_cache.put_answer(key, tokens, answer)
    return tokens, answer


def _offered_days(
    meeting_type: MeetingType,
    sellers: Sequence[Zoned],
    start: dt.date,
    end: dt.date,
    timezone: str,
    now: dt.datetime,
    exclude_booking_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """Every date from `start` to `end` in `timezone` with its offered starts (ISO 8601)."""
    tz = ZoneInfo(timezone)
    window_start, _ = _day_bounds(start, tz)
    _, window_end = _day_bounds(end + dt.timedelta(days=1), tz)
    calendars = seller_calendars(
        meeting_type, sellers, window_start, window_end, exclude_booking_id=exclude_booking_id
    )
    slots = (
        available_slots(calendars, meeting_rules(meeting_type), window_start, window_end, now)
        if calendars
        else {}
    )
    days: dict[dt.date, list[str]] = {
        start + dt.timedelta(days=n): [] for n in range((end - start).days + 1)
    }
    for slot in slots:
        local = slot.astimezone(tz)
        listed = days.get(local.date())
        if listed is not None:
            listed.append(local.isoformat())
    return [{"date": day.isoformat(), "slots": starts} for day, starts in days.items()]


def _slots_key(
    meeting_type: MeetingType,
    start: dt.date,
    end: dt.date,
    timezone: str,
    now: dt.datetime,
    country: str | None,
    exclude_booking_id: uuid.UUID | None,
) -> str:
    """The cache key of a slots answer: everything it depends on but the version tokens."""
    page = meeting_type.page
    return slot_cache.response_key(
        {
            "meeting_type": [
                str(meeting_type.id),
                meeting_type.updated_at.isoformat(),
                # The rules themselves too: a queryset.update() leaves updated_at alone.
                *astuple(meeting_rules(meeting_type)),
            ],
            "page": [
                str(page.id),
                page.updated_at.isoformat(),
                page.routing,
                page.is_active,
                str(page.team_id),
                str(page.seller_id),
            ],
            "query": [
                start.isoformat(),
                end.isoformat(),
                timezone,
                # The country only matters where it picks the sellers.
                country if hooks.narrows_by_country(page.routing) else None,
                exclude_booking_id,
            ],
            # Minimum notice moves with the clock: an answer is reused within one minute.
            "minute": int(now.timestamp()) // slot_cache.SLOTS_CACHE_SECONDS,
        }
    )


def explain_seller_day(
    seller: Seller, meeting_type: MeetingType, day: dt.date, *, now: dt.datetime
) -> list[SlotExplanation]:
    """Every candidate start of `day` (the seller's local date) and why it is not offered
    (reason None = offered), for the admin's "why is this slot unavailable?" page."""
    tz = ZoneInfo(seller.timezone)
    window_start, _ = _day_bounds(day, tz)
    _, window_end = _day_bounds(day + dt.timedelta(days=1), tz)
    (calendar,) = seller_calendars(meeting_type, [seller], window_start, window_end)
    return explain_day(calendar, meeting_rules(meeting_type), day, now)
