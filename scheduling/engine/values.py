"""The plain values the slot engine reads and returns.

Every input is a frozen dataclass that checks itself on construction, so a bad value fails
where it is built (in a selector or a form), not deep inside a slot computation. Wall-clock
times (`datetime.time`) are naive and belong to the seller's zone; instants
(`datetime.datetime`) are always timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from itertools import compress
from zoneinfo import ZoneInfo

#: As the `end` of a wall-clock span, ``time(0)`` means the midnight that ENDS the day
#: (24:00), because `datetime.time` cannot say 24:00 and a span never ends where it starts.
END_OF_DAY = dt.time(0)


def _check_wall_time(name: str, value: dt.time) -> None:
    if value.tzinfo is not None:
        raise ValueError(f"{name} must be a naive wall-clock time, got {value!r}")
    # The engine works in whole seconds; refusing sub-second times keeps every boundary
    # exact instead of silently rounding a caller's value.
    if value.microsecond:
        raise ValueError(f"{name} must be a whole second, got {value!r}")


def _check_span(start: dt.time, end: dt.time) -> None:
    _check_wall_time("start", start)
    _check_wall_time("end", end)
    if end != END_OF_DAY and not start < end:
        raise ValueError(f"start {start} must be before end {end} (end 00:00 means 24:00)")


def _check_aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Working hours repeated every week: `start`-`end` wall-clock on `weekday` (0 = Monday).

    The times are in the seller's zone. Several rules may cover the same weekday; where they
    overlap or touch they form one continuous working interval. ``end == time(0)`` means
    24:00 (the rule runs to the end of the day).
    """

    weekday: int
    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {self.weekday}")
        _check_span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class DayOverride:
    """A change to one local date of the seller's hours.

    - ``available=False`` without times: the whole date is blocked.
    - ``available=False`` with times: those hours are blocked (cut out of the day's hours).
    - ``available=True`` (times required): those hours REPLACE the weekly hours of the date;
      several such overrides on one date replace them with their union.
    A whole-day block wins over everything else on its date; blocked hours are cut out of
    the replacement hours too. ``end == time(0)`` means 24:00.
    """

    date: dt.date
    start: dt.time | None
    end: dt.time | None
    available: bool

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValueError("an override gives both start and end, or neither")
        if self.start is None or self.end is None:
            if self.available:
                raise ValueError("an available override must give its hours")
            return
        _check_span(self.start, self.end)

    @property
    def blocks_whole_day(self) -> bool:
        """True when this override removes every working hour of its date."""
        return not self.available and self.start is None


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of real time [start, end): aware datetimes, end excluded.

    Back-to-back intervals do not overlap: [9:00, 9:30) and [9:30, 10:00) share no instant,
    and an empty interval (start == end) overlaps nothing.
    """

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        _check_aware("start", self.start)
        _check_aware("end", self.end)
        if self.end < self.start:
            raise ValueError(f"interval ends ({self.end}) before it starts ({self.start})")


#: The Unix epoch: the engine measures instants as whole seconds since it.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SECOND = dt.timedelta(seconds=1)
_first, _second = operator.itemgetter(0), operator.itemgetter(1)
_start_of = operator.attrgetter("start")
_end_of = operator.attrgetter("end")


def floor_seconds(moment: dt.datetime) -> int:
    """Whole epoch seconds at or before the aware `moment`."""
    return (moment - EPOCH) // _SECOND


def ceil_seconds(moment: dt.datetime) -> int:
    """Whole epoch seconds at or after the aware `moment`."""
    return -((EPOCH - moment) // _SECOND)


@dataclass(frozen=True, slots=True)
class BusyTime:
    """Busy time as whole epoch seconds: [starts[i], ends[i]), sorted by start, none empty.

    The cheap form of a seller's busy time for large calendars: selectors read epoch
    seconds straight from the database instead of building an `Interval` per row. Slot
    boundaries are whole seconds, so rounding starts down and ends up (`of`) changes no
    answer: b < s <=> floor(b) < s and b > s <=> ceil(b) > s for a whole-second s.
    """

    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        # map() keeps these checks in C: they run on every calendar a selector builds.
        if len(self.starts) != len(self.ends):
            raise ValueError("busy time needs as many ends as starts")
        if not all(map(operator.lt, self.starts, self.ends)):
            raise ValueError("every busy interval must end after it starts")
        if not all(map(operator.le, self.starts, self.starts[1:])):
            raise ValueError("busy intervals must be sorted by start")

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, int]]) -> BusyTime:
        """From (start, end) epoch seconds in any order; empty intervals are dropped."""
        listed = list(pairs)
        # compress() and map(): no Python step per pair (selectors pass tens of thousands).
        kept = sorted(compress(listed, map(operator.lt, map(_first, listed), map(_second, listed))))
        return cls(tuple(map(_first, kept)), tuple(map(_second, kept)))

    @classmethod
    def of(cls, intervals: Iterable[Interval]) -> BusyTime:
        """From `Interval`s; empty ones are dropped before rounding outwards."""
        kept = [i for i in intervals if i.start < i.end]
        starts = map(floor_seconds, map(_start_of, kept))
        return cls.from_pairs(zip(starts, map(ceil_seconds, map(_end_of, kept)), strict=True))

    def __len__(self) -> int:
        return len(self.starts)

    def intervals(self) -> tuple[Interval, ...]:
        """The same busy time as UTC `Interval`s, in start order."""
        at = dt.datetime.fromtimestamp
        return tuple(
            Interval(at(start, dt.UTC), at(end, dt.UTC))
            for start, end in zip(self.starts, self.ends, strict=True)
        )


@dataclass(frozen=True, slots=True)
class SellerCalendar:
    """Everything the engine knows about one seller for one slot computation.

    - `timezone`: IANA name of the seller's zone; rules and overrides are read in it, and
      so are "the local date" for daily limits and "the ISO week" for weekly limits.
    - `busy`: every confirmed booking of the seller already widened by that booking's own
      buffers, plus external calendar busy time: `Interval`s (may overlap, may be
      unsorted) or, cheaper for a selector reading thousands of rows, one `BusyTime`.
    - `counted_starts`: start instants of the seller's confirmed bookings of THIS meeting
      type; used only for the daily and weekly limits.
    """

    seller_id: Hashable
    timezone: str
    rules: tuple[WeeklyRule, ...]
    overrides: tuple[DayOverride, ...]
    busy: tuple[Interval, ...] | BusyTime
    counted_starts: tuple[dt.datetime, ...] = ()

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for an unknown zone name
        for start in self.counted_starts:
            _check_aware("counted start", start)


@dataclass(frozen=True, slots=True)
class MeetingRules:
    """How a meeting type is booked. All figures are minutes except `max_days_ahead` (days).

    - `duration`: length of the meeting; `slot_interval`: step between candidate starts.
    - `buffer_before` / `buffer_after`: free time needed around the meeting; only the
      seller's busy time may not fall in them (they may stick out of working hours).
    - `min_notice`: a slot must start at least this long after `now`.
    - `max_days_ahead`: the slot's local date may be at most this many days after the
      local date of `now` (0 = today only).
    - `daily_limit` / `weekly_limit`: once the seller has this many counted bookings on a
      local date / ISO week, that date / week offers nothing. None = no limit.
    """

    duration: int
    slot_interval: int
    buffer_before: int = 0
    buffer_after: int = 0
    min_notice: int = 0
    max_days_ahead: int = 60
    daily_limit: int | None = None
    weekly_limit: int | None = None

    def __post_init__(self) -> None:
        if self.duration <= 0 or self.slot_interval <= 0:
            raise ValueError("duration and slot_interval must be positive")
        for name in ("buffer_before", "buffer_after", "min_notice", "max_days_ahead"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("daily_limit", "weekly_limit"):
            limit = getattr(self, name)
            if limit is not None and limit < 0:
                raise ValueError(f"{name} must not be negative")


class Reason(StrEnum):
    """Why a candidate start is not offered, in the order `explain_day` checks them.

    The first one that applies is reported. `DST_GAP` comes first because a wall-clock time
    the clocks skip has no instant to test anything else against; hours and overrides come
    before calendar conflicts, and the booking policies (notice, window, limits) last.
    """

    DST_GAP = "dst_gap"  # the wall-clock time does not exist that day (clocks jump over it)
    OUTSIDE_HOURS = "outside_hours"  # not a start the working hours produce, or does not fit
    OVERRIDE = "override"  # the weekly or replacement hours offer it, but an override removes it
    BUSY = "busy"  # the meeting itself overlaps busy time
    BUFFER = "buffer"  # only the buffers around the meeting overlap busy time
    NOTICE = "notice"  # starts before now + min_notice
    WINDOW = "window"  # local date is past today + max_days_ahead
    DAILY_LIMIT = "daily_limit"  # the local date already has daily_limit counted bookings
    WEEKLY_LIMIT = "weekly_limit"  # the ISO week already has weekly_limit counted bookings


@dataclass(frozen=True, slots=True)
class SlotExplanation:
    """One candidate start of a day and why it is not offered (`reason` None = offered).

    `start` is aware, in the seller's zone, with fold=0. For a `DST_GAP` candidate it is the
    skipped wall-clock time itself, which names no real instant; compare it by wall clock.
    """

    start: dt.datetime
    reason: Reason | None
