"""The alternatives offered with a requested time (pure: no ORM).

The design's rule: every 30 minutes from 18:00 to 22:00 (both included) on the requested
day, in the page's zone, without the requested time itself. A page may change the window
and the step, or turn alternatives off (``WaitlistRule``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class AlternativeRule:
    enabled: bool = True
    window_start: dt.time = dt.time(18, 0)
    window_end: dt.time = dt.time(22, 0)
    step_minutes: int = 30


DEFAULT_RULE = AlternativeRule()


def alternatives_for(
    requested: dt.datetime, zone: str, rule: AlternativeRule = DEFAULT_RULE
) -> list[dt.datetime]:
    """The rule's times on ``requested``'s day in ``zone``, as aware datetimes in that
    zone, ascending, without ``requested``. Wall-clock times (never fixed offsets): a time
    a DST change skips is left out."""
    if not rule.enabled or rule.step_minutes <= 0:
        return []
    tz = ZoneInfo(zone)
    day = requested.astimezone(tz).date()
    first = rule.window_start.hour * 60 + rule.window_start.minute
    last = rule.window_end.hour * 60 + rule.window_end.minute
    out = []
    for minutes in range(first, last + 1, rule.step_minutes):
        at = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=tz)
        if at.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != at.replace(tzinfo=None):
            continue  # skipped by a DST change
        if at != requested:
            out.append(at)
    return out
