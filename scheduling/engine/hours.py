"""A seller's working hours for one local date, as wall-clock spans.

A span is (start, end) in seconds since local midnight, half-open, 0 <= start < end <=
86400. Spans are kept merged and sorted, so the answer for a date never depends on the
order rules or overrides were given in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from scheduling.engine.clock import end_seconds, wall_seconds
from scheduling.engine.values import DayOverride, WeeklyRule

Span = tuple[int, int]
Spans = tuple[Span, ...]


def merge_spans(spans: Iterable[Span]) -> Spans:
    """The union of `spans`, sorted; overlapping or touching spans become one.

    Touching spans merge because a seller working 09-12 and 12-14 works 09-14: a slot may
    run across 12:00, and the slot grid runs on from 09:00.
    """
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def subtract_spans(base: Spans, cuts: Spans) -> Spans:
    """What remains of merged `base` once merged `cuts` are removed."""
    remaining: list[Span] = []
    for start, end in base:
        for cut_start, cut_end in cuts:
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > start:
                remaining.append((start, cut_start))
            start = max(start, cut_end)
            if start >= end:
                break
        if start < end:
            remaining.append((start, end))
    return tuple(remaining)


@dataclass(frozen=True, slots=True)
class DayHours:
    """The hours of one date, layer by layer, so an explanation can say which layer removed
    a slot: `weekly` from the rules, `planned` after replacement hours, `final` after blocks.
    """

    weekly: Spans
    planned: Spans
    final: Spans


@dataclass(frozen=True, slots=True)
class _DayChange:
    blocked: bool  # a whole-day block
    replacement: Spans | None  # union of available overrides, None when there are none
    cuts: Spans  # union of blocked hours


class HoursPlan:
    """A seller's rules and overrides, indexed for asking "what are the hours on date D?"."""

    __slots__ = ("_changes", "_weekly")

    def __init__(self, rules: Iterable[WeeklyRule], overrides: Iterable[DayOverride]) -> None:
        by_weekday: list[list[Span]] = [[] for _ in range(7)]
        for rule in rules:
            by_weekday[rule.weekday].append((wall_seconds(rule.start), end_seconds(rule.end)))
        self._weekly = tuple(merge_spans(spans) for spans in by_weekday)

        by_date: dict[dt.date, list[DayOverride]] = {}
        for override in overrides:
            by_date.setdefault(override.date, []).append(override)
        self._changes = {day: _summarise(found) for day, found in by_date.items()}

    def final(self, day: dt.date) -> Spans:
        """The working spans of `day` once every override is applied."""
        change = self._changes.get(day)
        if change is None:
            return self._weekly[day.weekday()]
        return self.layers(day).final

    def layers(self, day: dt.date) -> DayHours:
        """The hours of `day` before and after each kind of override."""
        weekly = self._weekly[day.weekday()]
        change = self._changes.get(day)
        if change is None:
            return DayHours(weekly, weekly, weekly)
        planned = weekly if change.replacement is None else change.replacement
        final = () if change.blocked else subtract_spans(planned, change.cuts)
        return DayHours(weekly, planned, final)


def _summarise(overrides: list[DayOverride]) -> _DayChange:
    replacement: list[Span] = []
    cuts: list[Span] = []
    blocked = False
    for override in overrides:
        if override.start is None or override.end is None:
            blocked = True
            continue
        span = (wall_seconds(override.start), end_seconds(override.end))
        (replacement if override.available else cuts).append(span)
    return _DayChange(
        blocked=blocked,
        replacement=merge_spans(replacement) if replacement else None,
        cuts=merge_spans(cuts),
    )
