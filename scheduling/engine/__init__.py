"""The availability slot engine: plain values in, free slot starts out. No ORM, no I/O.

Selectors load rules, overrides, bookings and cached busy time, build the values below, and
call `available_slots` (one seller or a whole team) or `explain_day` (why a start is or is
not offered, for support and the admin).

- `values`: the input and output dataclasses and the `Reason` vocabulary;
- `clock`: wall-clock times on local dates → instants, through zoneinfo;
- `hours`: rules and overrides → the working spans of a date;
- `slots`: `available_slots` and its answer, `SlotMap`; `explain`: `explain_day`.
"""

from scheduling.engine.explain import explain_day
from scheduling.engine.slots import SlotMap, available_slots
from scheduling.engine.values import (
    BusyTime,
    DayOverride,
    Interval,
    MeetingRules,
    Reason,
    SellerCalendar,
    SlotExplanation,
    WeeklyRule,
)

__all__ = [
    "BusyTime",
    "DayOverride",
    "Interval",
    "MeetingRules",
    "Reason",
    "SellerCalendar",
    "SlotExplanation",
    "SlotMap",
    "WeeklyRule",
    "available_slots",
    "explain_day",
]
