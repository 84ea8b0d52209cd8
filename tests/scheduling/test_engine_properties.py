"""Hypothesis properties of the slot engine, around DST changes in the odd zones.

Besides the properties the engine promises (no busy overlap, inside wall-clock hours,
notice and window respected, team = union of members, input order irrelevant, explain_day
agrees), the engine is compared with a reference model written the slow, obvious way: it
reads every 5 minutes of real time through zoneinfo and scans busy time linearly.

All generated wall-clock times are multiples of 5 minutes and every zone used has offsets
and transitions on 15-minute marks, so looking at 5-minute steps sees every change.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Hashable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.engine import (
    BusyTime,
    DayOverride,
    Interval,
    MeetingRules,
    Reason,
    SellerCalendar,
    WeeklyRule,
    available_slots,
    explain_day,
)

ZONES = (
    "America/New_York",
    "Europe/Madrid",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Europe/Dublin",
)
# Days with clock changes, and the zones changing clocks on them (Sao Paulo's last changes
# were in 2018-19, one of them at midnight), plus an ordinary day.
CHANGES = {
    dt.date(2026, 3, 8): ("America/New_York",),
    dt.date(2026, 11, 1): ("America/New_York",),
    dt.date(2026, 3, 29): ("Europe/Madrid", "Europe/Dublin"),
    dt.date(2026, 10, 25): ("Europe/Madrid", "Europe/Dublin"),
    dt.date(2026, 10, 4): ("Australia/Lord_Howe",),
    dt.date(2026, 4, 5): ("Australia/Lord_Howe",),
    dt.date(2018, 11, 4): ("America/Sao_Paulo",),
    dt.date(2019, 2, 16): ("America/Sao_Paulo",),
    dt.date(2026, 6, 17): ZONES,
}
STEP = dt.timedelta(minutes=5)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Case:
    sellers: tuple[SellerCalendar, ...]
    meeting: MeetingRules
    window_start: dt.datetime
    window_end: dt.datetime
    now: dt.datetime

    def slots(self, sellers: tuple[SellerCalendar, ...] | None = None) -> dict:
        chosen = self.sellers if sellers is None else sellers
        return available_slots(chosen, self.meeting, self.window_start, self.window_end, self.now)


def minute(draw: st.DrawFn, low: int = 0, high: int = 1440) -> int:
    """A minute of the day, a multiple of 5, often near midnight where clocks change."""
    return draw(
        st.one_of(
            st.integers(low // 5, high // 5).map(lambda n: n * 5),
            st.sampled_from(
                [
                    m
                    for m in (0, 15, 60, 75, 90, 120, 135, 150, 180, 1380, 1410, 1440)
                    if low <= m <= high
                ]
                or [low]
            ),
        )
    )


def wall(minutes: int) -> dt.time:
    return dt.time(0) if minutes == 1440 else dt.time(minutes // 60, minutes % 60)


@st.composite
def spans(draw: st.DrawFn) -> tuple[dt.time, dt.time]:
    """Any span half the time; otherwise one in the small hours or late evening, where
    every clock change of these zones happens (00:00-03:00, and 23:00 in Sao Paulo 2019)."""
    low, high = draw(st.sampled_from(((0, 1440), (0, 1440), (0, 240), (1260, 1440))))
    start = minute(draw, low, high - 5)
    end = minute(draw, start + 5, min(high + 120, 1440))
    return wall(start), wall(end)


@st.composite
def sellers(
    draw: st.DrawFn, seller_id: Hashable, anchor: dt.datetime, changing: tuple[str, ...]
) -> SellerCalendar:
    # Mostly a zone whose clocks change near the anchor, where the hard cases are.
    zone = draw(st.one_of(st.sampled_from(changing), st.sampled_from(ZONES)))
    local_anchor = anchor.astimezone(ZoneInfo(zone)).date()
    near_days = st.integers(-2, 4).map(lambda n: local_anchor + dt.timedelta(days=n))

    # Mostly rules for the weekdays in the window, so that most examples offer something.
    weekdays = st.sampled_from([(local_anchor.weekday() + n) % 7 for n in (0, 0, 0, 1, 1, 2, 3)])
    rules = []
    for _ in range(draw(st.integers(1, 6))):
        weekday = draw(st.one_of(weekdays, st.integers(0, 6)))
        rules.append(WeeklyRule(weekday, *draw(spans())))

    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(("block_day", "block_hours", "hours")))
        day = draw(near_days)
        if kind == "block_day":
            overrides.append(DayOverride(day, None, None, available=False))
        else:
            overrides.append(DayOverride(day, *draw(spans()), available=kind == "hours"))

    def moment() -> dt.datetime:
        offset = draw(st.integers(-36 * 60, 5 * 24 * 60))  # any minute around the window
        return anchor + dt.timedelta(minutes=offset)

    busy = []
    for _ in range(draw(st.integers(0, 8))):
        start = moment()
        busy.append(Interval(start, start + dt.timedelta(minutes=draw(st.integers(0, 300)))))
    counted = tuple(moment() for _ in range(draw(st.integers(0, 4))))
    return SellerCalendar(seller_id, zone, tuple(rules), tuple(overrides), tuple(busy), counted)


@st.composite
def cases(draw: st.DrawFn, max_sellers: int = 3) -> Case:
    day = draw(st.sampled_from(sorted(CHANGES)))
    anchor = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    anchor += dt.timedelta(hours=draw(st.integers(-14, 12)))
    count = draw(st.integers(1, max_sellers))
    team = tuple(draw(sellers(n, anchor, CHANGES[day])) for n in range(count))
    meeting = MeetingRules(
        duration=draw(st.sampled_from((5, 15, 20, 30, 45, 60, 90, 120))),
        slot_interval=draw(st.sampled_from((5, 10, 15, 20, 30, 45, 60, 90))),
        buffer_before=draw(st.sampled_from((0, 0, 5, 10, 15, 30, 60))),
        buffer_after=draw(st.sampled_from((0, 0, 5, 10, 15, 30, 60))),
        min_notice=draw(st.sampled_from((0, 0, 0, 30, 90, 240, 1440))),
        max_days_ahead=draw(st.sampled_from((60, 5, 2, 60, 1, 0))),
        daily_limit=draw(st.sampled_from((None, None, None, None, 1, 2, 0))),
        weekly_limit=draw(st.sampled_from((None, None, None, None, 1, 3, 0))),
    )
    window_start = anchor + dt.timedelta(minutes=draw(st.integers(-12 * 60, 12 * 60)))
    length = draw(st.sampled_from((48, 72, 96, 24, 48, 72, 6, 0))) * 60 + draw(st.integers(0, 180))
    window_end = window_start + dt.timedelta(minutes=length)
    now = anchor + dt.timedelta(minutes=draw(st.integers(-3 * 24 * 60, 6 * 60)))
    return Case(team, meeting, window_start, window_end, now)


# --- the reference model -------------------------------------------------------------


def allowed_minutes(seller: SellerCalendar, day: dt.date) -> set[int]:
    """Wall-clock minutes of `day` the seller works, by plain set arithmetic."""

    def minutes(start: dt.time, end: dt.time) -> set[int]:
        last = 1440 if end == dt.time(0) else end.hour * 60 + end.minute
        return set(range(start.hour * 60 + start.minute, last))

    found: set[int] = set()
    for rule in seller.rules:
        if rule.weekday == day.weekday():
            found |= minutes(rule.start, rule.end)
    todays = [o for o in seller.overrides if o.date == day]
    if any(o.start is None for o in todays):
        return set()
    replacing = [o for o in todays if o.available]
    if replacing:
        found = set().union(*(minutes(o.start, o.end) for o in replacing))  # type: ignore[arg-type]
    for o in todays:
        if not o.available:
            found -= minutes(o.start, o.end)  # type: ignore[arg-type]
    return found


def runs(allowed: set[int]) -> list[tuple[int, int]]:
    """Maximal runs [start, end) of consecutive allowed minutes."""
    found: list[tuple[int, int]] = []
    for m in sorted(allowed):
        if found and found[-1][1] == m:
            found[-1] = (found[-1][0], m + 1)
        else:
            found.append((m, m + 1))
    return found


def reference_slots(seller: SellerCalendar, case: Case) -> set[dt.datetime]:
    """The slot starts of one seller, straight from the definitions."""
    meeting, tz = case.meeting, ZoneInfo(seller.timezone)
    first = (case.window_start - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    first -= dt.timedelta(minutes=first.minute % 5)
    instants = [first + n * STEP for n in range((6 + 4) * 24 * 12)]
    # The wall clock (date, minute of day) that every 5-minute instant reads.
    reads = {u: u.astimezone(tz) for u in instants}
    reading = {u: (local.date(), local.hour * 60 + local.minute) for u, local in reads.items()}
    first_instant: dict[tuple[dt.date, int], dt.datetime] = {}
    for u in instants:  # in time order: keep the first occurrence of each wall time
        first_instant.setdefault(reading[u], u)

    today = case.now.astimezone(tz).date()
    counted_days = [start.astimezone(tz).date() for start in seller.counted_starts]
    found = set()
    # The first and last dates are only partly sampled; the window lies well inside them.
    for day in sorted({day for day, _ in reading.values()})[1:-1]:
        if day > today + dt.timedelta(days=meeting.max_days_ahead):
            continue
        if meeting.daily_limit is not None and counted_days.count(day) >= meeting.daily_limit:
            continue
        same_week = [d for d in counted_days if d.isocalendar()[:2] == day.isocalendar()[:2]]
        if meeting.weekly_limit is not None and len(same_week) >= meeting.weekly_limit:
            continue
        for run_start, run_end in runs(allowed_minutes(seller, day)):
            # As real time, a working interval lasts from the first moment the clock reads
            # its start (or later) to the first moment after that it reads its end (or later).
            # When clocks turn back inside it, the repeated stretch is worked through.
            began = next(u for u in instants if reading[u] >= (day, run_start))
            ended = next(u for u in instants if u >= began and reading[u] >= (day, run_end))
            for wall_minute in range(run_start, run_end, meeting.slot_interval):
                start = first_instant.get((day, wall_minute))
                if start is None:  # the clocks skip this wall time
                    continue
                inside = began <= start and start + dt.timedelta(minutes=meeting.duration) <= ended
                low = start - dt.timedelta(minutes=meeting.buffer_before)
                high = start + dt.timedelta(minutes=meeting.duration + meeting.buffer_after)
                clashes = any(
                    low < b.end and b.start < high and b.start < b.end for b in seller.busy
                )
                on_time = start >= case.now + dt.timedelta(minutes=meeting.min_notice)
                in_window = case.window_start <= start < case.window_end
                if inside and not clashes and on_time and in_window:
                    found.add(start)
    return found


def shuffled(seller: SellerCalendar, rng: random.Random) -> SellerCalendar:
    def mix(items: tuple) -> tuple:
        mixed = list(items)
        rng.shuffle(mixed)
        return tuple(mixed)

    return replace(
        seller,
        rules=mix(seller.rules),
        overrides=mix(seller.overrides),
        busy=mix(seller.busy),
        counted_starts=mix(seller.counted_starts),
    )


# --- properties ----------------------------------------------------------------------


@settings(PROPERTY, max_examples=150)
@given(cases())
def test_available_slots_equal_the_reference_model(case: Case) -> None:
    expected: dict[dt.datetime, list[Hashable]] = {}
    for seller in case.sellers:
        for start in reference_slots(seller, case):
            expected.setdefault(start, []).append(seller.seller_id)
    found = case.slots()
    assert {start: list(ids) for start, ids in found.items()} == expected
    assert list(found) == sorted(found)
    assert all(start.tzinfo is dt.UTC for start in found)


@PROPERTY
@given(cases())
def test_available_slots_never_overlap_busy_time_with_buffers(case: Case) -> None:
    meeting = case.meeting
    by_id = {seller.seller_id: seller for seller in case.sellers}
    for start, ids in case.slots().items():
        low = start - dt.timedelta(minutes=meeting.buffer_before)
        high = start + dt.timedelta(minutes=meeting.duration + meeting.buffer_after)
        for seller_id in ids:
            clashing = [b for b in by_id[seller_id].busy if low < b.end and b.start < high]
            assert all(b.start == b.end for b in clashing)  # only empty intervals may "touch"


@PROPERTY
@given(cases())
def test_available_slots_lie_inside_wall_clock_working_hours(case: Case) -> None:
    by_id = {seller.seller_id: seller for seller in case.sellers}
    for start, ids in case.slots().items():
        for seller_id in ids:
            seller = by_id[seller_id]
            tz = ZoneInfo(seller.timezone)
            local = start.astimezone(tz)
            allowed = allowed_minutes(seller, local.date())
            assert local.fold == 0  # a repeated wall time is offered at its first occurrence
            latest_read = -1
            for k in range(case.meeting.duration):
                passing = (start + dt.timedelta(minutes=k)).astimezone(tz)
                read = passing.hour * 60 + passing.minute
                assert passing.date() == local.date()
                # A working minute, or one the clock already showed during this meeting:
                # clocks turned back inside the working hours, which are worked through.
                assert read in allowed or read < latest_read
                latest_read = max(latest_read, read)


@PROPERTY
@given(cases())
def test_available_slots_respect_notice_booking_window_and_range(case: Case) -> None:
    meeting = case.meeting
    by_id = {seller.seller_id: seller for seller in case.sellers}
    for start, ids in case.slots().items():
        assert case.window_start <= start < case.window_end
        assert start >= case.now + dt.timedelta(minutes=meeting.min_notice)
        for seller_id in ids:
            tz = ZoneInfo(by_id[seller_id].timezone)
            last_day = case.now.astimezone(tz).date() + dt.timedelta(days=meeting.max_days_ahead)
            assert start.astimezone(tz).date() <= last_day


@PROPERTY
@given(cases(max_sellers=4))
def test_available_slots_team_is_the_union_of_single_seller_results(case: Case) -> None:
    union: dict[dt.datetime, list[Hashable]] = {}
    for seller in case.sellers:  # ids are 0, 1, 2…: natural order is this order
        for start in case.slots((seller,)):
            union.setdefault(start, []).append(seller.seller_id)
    team = case.slots()
    assert team == {start: tuple(union[start]) for start in sorted(union)}


@PROPERTY
@given(cases(), st.randoms(use_true_random=False))
def test_available_slots_ignore_the_order_of_every_input(case: Case, rng: random.Random) -> None:
    mixed = [shuffled(seller, rng) for seller in case.sellers]
    rng.shuffle(mixed)
    found = case.slots()
    again = case.slots(tuple(mixed))
    assert again == found
    assert list(again) == list(found)


@PROPERTY
@given(cases(max_sellers=1))
def test_explain_day_agrees_with_available_slots(case: Case) -> None:
    (seller,) = case.sellers
    tz = ZoneInfo(seller.timezone)
    first_day = case.window_start.astimezone(tz).date()
    for offset in range(3):
        day = first_day + dt.timedelta(days=offset)
        whole_day = replace(
            case,
            window_start=dt.datetime.combine(day, dt.time(0), tzinfo=tz) - dt.timedelta(days=1),
            window_end=dt.datetime.combine(day, dt.time(0), tzinfo=tz) + dt.timedelta(days=2),
        )
        offered = {s for s in whole_day.slots() if s.astimezone(tz).date() == day}
        explained = explain_day(seller, case.meeting, day, case.now)
        assert {e.start.astimezone(dt.UTC) for e in explained if e.reason is None} == offered

        walls = [e.start.replace(tzinfo=None) for e in explained]
        assert walls == sorted(set(walls))  # sorted by wall clock, each once
        step = case.meeting.slot_interval
        midnight_grid = {
            dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=m)
            for m in range(0, 1440, step)
        }
        assert midnight_grid <= set(walls)
        assert all(e.reason is None or isinstance(e.reason, Reason) for e in explained)
        assert all(e.start.date() == day and e.start.fold == 0 for e in explained)


def as_busy_time(seller: SellerCalendar) -> SellerCalendar:
    return replace(seller, busy=BusyTime.of(seller.busy))


@PROPERTY
@given(cases(), st.data())
def test_busy_time_as_epoch_seconds_gives_the_same_answer(case: Case, data: st.DataObject) -> None:
    # Busy bounds off the second: BusyTime rounds them outwards, which must change nothing
    # because every slot boundary is a whole second.
    jitter = st.integers(0, 999_999).map(lambda n: dt.timedelta(microseconds=n))
    jittered = tuple(
        replace(
            seller,
            busy=tuple(
                Interval(b.start - data.draw(jitter), b.end + data.draw(jitter))
                for b in seller.busy
            ),
        )
        for seller in case.sellers
    )
    as_intervals = replace(case, sellers=jittered)
    as_seconds = replace(case, sellers=tuple(map(as_busy_time, jittered)))

    assert as_seconds.slots() == as_intervals.slots()
    seller = as_seconds.sellers[0]
    day = case.window_start.astimezone(ZoneInfo(seller.timezone)).date()
    assert explain_day(seller, case.meeting, day, case.now) == explain_day(
        jittered[0], case.meeting, day, case.now
    )
