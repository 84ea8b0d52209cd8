"""Quiet hours for texts: pure, plain values in and out (no ORM)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """Local hours without texts, e.g. 21:00–08:00 (may wrap past midnight)."""

    start: dt.time
    end: dt.time
    exempt: dt.timedelta  # a text due this close to the meeting goes anyway

    @classmethod
    def parse(cls, spec: str, exempt_minutes: int) -> QuietHours:
        """``"21:00-08:00"``; an empty spec or equal ends mean no quiet hours."""
        if not spec.strip():
            return cls(dt.time(0), dt.time(0), dt.timedelta(minutes=exempt_minutes))
        start, end = (dt.time.fromisoformat(part.strip()) for part in spec.split("-", 1))
        return cls(start, end, dt.timedelta(minutes=exempt_minutes))

    def contains(self, local: dt.time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class Timing:
    due_at: dt.datetime
    skip_reason: str = ""


def adjust(due_at: dt.datetime, start: dt.datetime, zone: str, quiet: QuietHours) -> Timing:
    """When a text due at ``due_at`` for a meeting at ``start`` may go, in ``zone``.

    Outside quiet hours, or within ``quiet.exempt`` of the meeting: at ``due_at``. Inside:
    at the end of the quiet hours (the local wall time, so across a DST change too) if
    that is still before the meeting, else skipped with a reason.
    """
    tz = ZoneInfo(zone)
    local = due_at.astimezone(tz)
    if not quiet.contains(local.time().replace(tzinfo=None)) or start - due_at <= quiet.exempt:
        return Timing(due_at)
    day = local.date() if local.time() < quiet.end else local.date() + dt.timedelta(days=1)
    # fold=0 and a round trip through UTC: a wall time skipped by DST lands just after it.
    end = dt.datetime.combine(day, quiet.end, tzinfo=tz).astimezone(dt.UTC)
    if end >= start:
        return Timing(due_at, skip_reason="quiet hours until the meeting")
    return Timing(end)
