"""Write use cases of scheduling: a seller's weekly working hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction

from config.errors import Invalid
from scheduling.cache import bump_hours, bump_sellers
from scheduling.models import AvailabilityRule
from sellers.models import Seller

Span = tuple[int, dt.time, dt.time]  # weekday, start, end (wall clock, seller's zone)


def rule_problems(rules: Sequence[Span]) -> dict[str, list[str]]:
    """Why a weekly rule set is not valid, as ``{"rules.<index>": [message]}`` (pure).

    Each rule: weekday 0–6 and start before end; on a weekday, intervals may touch but not
    overlap.
    """
    problems: dict[str, list[str]] = {}
    for index, (weekday, start, end) in enumerate(rules):
        if not 0 <= weekday <= 6:
            problems[f"rules.{index}.weekday"] = ["Weekday must be 0 (Monday) to 6 (Sunday)."]
        elif not start < end:
            problems[f"rules.{index}.end"] = ["end must be after start."]
    ordered = sorted(
        (weekday, start, end, index)
        for index, (weekday, start, end) in enumerate(rules)
        if f"rules.{index}.weekday" not in problems and f"rules.{index}.end" not in problems
    )
    day: int | None = None
    reach: dt.time = dt.time(0)  # latest end so far on `day`, and the rule that has it
    reach_index = -1
    for weekday, start, end, index in ordered:
        if weekday == day and start < reach:
            problems.setdefault(f"rules.{index}.start", []).append(
                f"Overlaps rule {reach_index} on the same weekday."
            )
        if weekday != day or end > reach:
            day, reach, reach_index = weekday, end, index
    return problems


@transaction.atomic
def replace_weekly_rules(*, seller: Seller, rules: Iterable[Span]) -> list[AvailabilityRule]:
    """Replace all of the seller's weekly rules with `rules`, atomically.

    Raises `Invalid` (nothing changed) for an invalid set. Locks the seller row so two
    concurrent replacements apply one after the other. Invalidates the seller's cached
    slots (bulk writes send no signals). Idempotent.
    """
    spans = [(int(weekday), start, end) for weekday, start, end in rules]
    problems = rule_problems(spans)
    if problems:
        raise Invalid("Some rules are not valid.", problems)
    Seller.objects.select_for_update().filter(pk=seller.pk).first()
    AvailabilityRule.objects.filter(seller=seller).delete()
    created = AvailabilityRule.objects.bulk_create(
        AvailabilityRule(seller=seller, weekday=weekday, start=start, end=end)
        for weekday, start, end in sorted(spans)
    )
    bump_sellers([seller.pk])
    bump_hours()
    return created
