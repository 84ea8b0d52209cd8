"""Adaptive check intervals of a watched slot (the seed design's 60 / 30 / 10 minutes).

Pure: plain datetimes in, plain datetimes out, no ORM. The further away a slot is, the less
often its external calendar is read: every 60 minutes beyond 24 hours ahead, every 30 within
24 hours, every 10 within 6 hours. A check is never put past the moment the slot enters a
tighter band, so a slot 6 h 05 min ahead is checked again at 6 h, not at 5 h 35 min.
"""

from __future__ import annotations

import datetime as dt

#: (time ahead of the slot's start, minutes between checks beyond that), widest first.
BANDS: tuple[tuple[dt.timedelta, int], ...] = (
    (dt.timedelta(hours=24), 60),
    (dt.timedelta(hours=6), 30),
    (dt.timedelta(0), 10),
)


def interval_minutes(*, start: dt.datetime, now: dt.datetime, override: int | None = None) -> int:
    """Minutes between checks for a slot starting at ``start``, seen at ``now``; a
    business's fixed ``override`` wins over the adaptive bands."""
    if override:
        return override
    ahead = start - now
    for threshold, minutes in BANDS:
        if ahead > threshold:
            return minutes
    return BANDS[-1][1]


def next_check(
    *, start: dt.datetime, now: dt.datetime, override: int | None = None
) -> tuple[dt.datetime, int]:
    """When to check a slot starting at ``start`` again after a check at ``now``, and the
    interval in force. Never later than the start (the slot then expires) nor than the
    moment it enters a tighter band."""
    minutes = interval_minutes(start=start, now=now, override=override)
    candidates = [now + dt.timedelta(minutes=minutes), start]
    if not override:
        candidates += [start - threshold for threshold, _ in BANDS if start - threshold > now]
    return max(min(candidates), now + dt.timedelta(minutes=1)), minutes
