"""Wall-clock times on local dates turned into instants, for one time zone.

Internally the engine measures time in epoch seconds (ints): comparing and adding ints is
several times cheaper than doing the same with aware datetimes, and slot computation does
it tens of thousands of times per request. A wall-clock time is (local date, seconds since
local midnight), seconds in [0, 86400]; 86400 is the midnight that ends the date.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from scheduling.engine.values import EPOCH

__all__ = ["DAY_SECONDS", "EPOCH", "LocalClock", "end_seconds", "wall_seconds", "wall_time"]

DAY_SECONDS = 86_400
ONE_DAY = dt.timedelta(days=1)


def wall_seconds(value: dt.time) -> int:
    """Seconds since midnight of a wall-clock time."""
    return value.hour * 3600 + value.minute * 60 + value.second


def end_seconds(value: dt.time) -> int:
    """Like `wall_seconds` for the end of a span, where ``time(0)`` means 24:00."""
    return wall_seconds(value) or DAY_SECONDS


def wall_time(seconds: int) -> dt.time:
    """The wall-clock time `seconds` after midnight (seconds < 86400)."""
    hours, rest = divmod(seconds, 3600)
    return dt.time(hours, *divmod(rest, 60))


class LocalClock:
    """Converts wall-clock times of one zone into epoch seconds, remembering each answer.

    One clock is shared by every seller in the zone during a computation, so the few
    boundaries they have in common (09:00, 17:00, midnight of each date) are converted once.
    """

    __slots__ = ("_known", "tz")

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._known: dict[tuple[dt.date, int], tuple[int, bool]] = {}

    def instant(self, day: dt.date, seconds: int) -> int:
        """Epoch seconds at which the clock shows `seconds` on `day`.

        A repeated wall time (clocks turned back) gives its FIRST occurrence (fold=0). A
        skipped wall time (clocks jump over it) gives the instant of the jump: the first
        instant whose wall clock is later, which is where a span starting or ending there
        really starts or ends.
        """
        return self._lookup(day, seconds)[0]

    def exists(self, day: dt.date, seconds: int) -> bool:
        """False when the clocks of the zone skip this wall time on this date."""
        return self._lookup(day, seconds)[1]

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The date the zone's clock shows at the aware datetime `moment`."""
        return moment.astimezone(self.tz).date()

    def _lookup(self, day: dt.date, seconds: int) -> tuple[int, bool]:
        key = (day, seconds)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._convert(day, seconds)
        return known

    def _convert(self, day: dt.date, seconds: int) -> tuple[int, bool]:
        if seconds >= DAY_SECONDS:
            day, seconds = day + ONE_DAY, seconds - DAY_SECONDS
        hours, rest = divmod(seconds, 3600)
        wall = dt.datetime(day.year, day.month, day.day, hours, *divmod(rest, 60), tzinfo=self.tz)
        # Whole-second datetimes give exact float timestamps, so int() loses nothing.
        first = int(wall.timestamp())  # fold=0: the earlier reading of a repeated time
        # PEP 495: fold=0 reads a wall time with the offset from before a transition, fold=1
        # with the one after. Clocks jump forward (a gap) exactly when the offset grows.
        offset_before, offset_after = wall.utcoffset(), wall.replace(fold=1).utcoffset()
        if offset_before is None or offset_after is None or offset_before >= offset_after:
            return first, True
        # In a gap, fold=0 lands at or after the jump and fold=1 before it; the jump is the
        # first instant in between whose wall clock is past `wall`.
        naive = wall.replace(tzinfo=None)
        before = int(wall.replace(fold=1).timestamp())
        after = first
        while after - before > 1:
            middle = (before + after) // 2
            if self._wall_at(middle) > naive:
                after = middle
            else:
                before = middle
        return after, False

    def _wall_at(self, epoch: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(epoch, self.tz).replace(tzinfo=None)
