"""`explain_day`: every candidate start of one seller's local day and why it is (not) offered.

This is the slow, obvious path: each candidate is judged on its own against merged busy
time. It shares with `available_slots` only the reading of hours and the wall-clock
conversion, so agreement between the two (a property test) is a real cross-check.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from scheduling.engine.clock import DAY_SECONDS, EPOCH, LocalClock, wall_time
from scheduling.engine.hours import HoursPlan, Spans
from scheduling.engine.values import (
    BusyTime,
    Interval,
    MeetingRules,
    Reason,
    SellerCalendar,
    SlotExplanation,
)


def explain_day(
    seller: SellerCalendar, meeting: MeetingRules, day: dt.date, now: dt.datetime
) -> list[SlotExplanation]:
    """Each candidate start of the seller's local `day`, sorted by wall clock, with the first
    `Reason` (in `Reason`'s order) that stops it from being offered, or None if offered.

    Candidates are the whole day on the `slot_interval` grid from 00:00 plus the real slot
    grid of the day's working intervals, deduplicated by wall-clock time. A start offered
    here is exactly a start `available_slots` offers for this seller on this date.
    Pure; raises ValueError for a naive `now`.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    judge = _Judge(seller, meeting, day, now)
    walls = set(range(0, DAY_SECONDS, judge.step))
    for span_start, span_end in judge.hours.final:
        walls.update(range(span_start, span_end, judge.step))
    return [
        SlotExplanation(
            start=dt.datetime.combine(day, wall_time(wall), tzinfo=judge.clock.tz),
            reason=judge.reason(wall),
        )
        for wall in sorted(walls)
    ]


class _Judge:
    """Everything needed to judge the candidates of one seller's day, read once."""

    def __init__(
        self, seller: SellerCalendar, meeting: MeetingRules, day: dt.date, now: dt.datetime
    ) -> None:
        self.day = day
        self.clock = LocalClock(ZoneInfo(seller.timezone))
        self.hours = HoursPlan(seller.rules, seller.overrides).layers(day)
        self.step, self.duration = meeting.slot_interval * 60, meeting.duration * 60
        self.length = dt.timedelta(minutes=meeting.duration)
        self.before = dt.timedelta(minutes=meeting.buffer_before)
        self.after = dt.timedelta(minutes=meeting.buffer_after)
        busy = seller.busy
        self.busy = _MergedBusy(busy.intervals() if isinstance(busy, BusyTime) else busy)
        self.earliest = now + dt.timedelta(minutes=meeting.min_notice)
        self.day_reason = _day_reason(seller, meeting, day, now, self.clock)

    def reason(self, wall: int) -> Reason | None:
        """Why the start at `wall` seconds after local midnight is not offered (None: it is)."""
        if not self.clock.exists(self.day, wall):
            return Reason.DST_GAP
        at = self.clock.instant(self.day, wall)
        if not self._on_grid(self.hours.final, wall, at):
            removed = self._on_grid(self.hours.weekly, wall, at) or self._on_grid(
                self.hours.planned, wall, at
            )
            return Reason.OVERRIDE if removed else Reason.OUTSIDE_HOURS
        moment = EPOCH + dt.timedelta(seconds=at)
        if self.busy.overlaps(moment, moment + self.length):
            return Reason.BUSY
        if self.busy.overlaps(moment - self.before, moment + self.length + self.after):
            return Reason.BUFFER
        if moment < self.earliest:
            return Reason.NOTICE
        return self.day_reason

    def _on_grid(self, spans: Spans, wall: int, at: int) -> bool:
        """True when existing wall time `wall` (instant `at`) is a start `spans` produce."""
        for span_start, span_end in spans:
            if span_start <= wall < span_end and (wall - span_start) % self.step == 0:
                return at + self.duration <= self.clock.instant(self.day, span_end)
        return False


def _day_reason(
    seller: SellerCalendar, meeting: MeetingRules, day: dt.date, now: dt.datetime, clock: LocalClock
) -> Reason | None:
    """The reason, if any, that the whole local date is closed by booking policy."""
    if day > clock.local_date(now) + dt.timedelta(days=meeting.max_days_ahead):
        return Reason.WINDOW
    local_days = [clock.local_date(start) for start in seller.counted_starts]
    if meeting.daily_limit is not None and local_days.count(day) >= meeting.daily_limit:
        return Reason.DAILY_LIMIT
    week = day.isocalendar()[:2]
    same_week = sum(1 for counted in local_days if counted.isocalendar()[:2] == week)
    if meeting.weekly_limit is not None and same_week >= meeting.weekly_limit:
        return Reason.WEEKLY_LIMIT
    return None


class _MergedBusy:
    """Busy intervals as sorted, merged runs of UTC time, asked one overlap at a time."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, busy: Iterable[Interval]) -> None:
        self._starts: list[dt.datetime] = []
        self._ends: list[dt.datetime] = []
        # In UTC so that comparisons never depend on which tzinfo each caller used.
        runs = sorted((b.start.astimezone(dt.UTC), b.end.astimezone(dt.UTC)) for b in busy)
        for start, end in runs:
            if start == end:
                continue  # an empty interval blocks nothing
            if self._ends and start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when [start, end) shares an instant with some busy interval."""
        index = bisect_right(self._ends, start)  # first run ending after `start`
        return index < len(self._ends) and self._starts[index] < end
