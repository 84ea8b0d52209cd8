"""Matching ``RoutingRule`` conditions against a prospect. Pure: plain values in, bool out.

A condition is ``{"field": "country" | "answers.<key>", "op": "eq" | "neq" | "in" |
"contains", "value": …}``. Text compares case-insensitively and trimmed; an answer that
is a list (multiselect) matches ``eq``/``in`` when any of its items does. A missing field
matches only ``neq``. An unknown op or field never matches (rules are validated on save;
a bad one must not send prospects somewhere by accident).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OPS = ("eq", "neq", "in", "contains")
_MISSING = object()


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as plain values: ``match`` is "all" or "any"."""

    id: Any
    conditions: tuple[Mapping[str, Any], ...]
    match: str = "all"


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().casefold()
    if isinstance(value, bool | int | float):
        return str(value).casefold()
    return value


def _items(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return [_norm(v) for v in value]
    return [_norm(value)]


def field_value(field: str, *, country: str, answers: Mapping[str, Any]) -> Any:
    """The prospect's value for ``field``, or a marker when they have none."""
    if field == "country":
        return country or _MISSING
    if field.startswith("answers."):
        value = answers.get(field.removeprefix("answers."), _MISSING)
        return _MISSING if value in (None, "", []) else value
    return _MISSING


def condition_matches(
    condition: Mapping[str, Any], *, country: str, answers: Mapping[str, Any]
) -> bool:
    op = condition.get("op")
    field = condition.get("field")
    if op not in OPS or not isinstance(field, str):
        return False
    actual = field_value(field, country=country, answers=answers)
    expected = condition.get("value")
    if actual is _MISSING:
        return op == "neq"
    values = _items(actual)
    if op in ("eq", "neq"):
        hit = _norm(expected) in values
        return hit if op == "eq" else not hit
    if op == "in":
        return bool(set(_items(expected)) & {v for v in values if isinstance(v, str)})
    # contains: an item of a list answer, or a substring of a text answer
    needle = _norm(expected)
    if not isinstance(needle, str):
        return False
    if isinstance(actual, list | tuple):
        return needle in values
    return isinstance(values[0], str) and needle in values[0]


def rule_matches(rule: RuleSpec, *, country: str, answers: Mapping[str, Any]) -> bool:
    """True when the rule's conditions hold (all or any of them). No conditions: False."""
    if not rule.conditions:
        return False
    results: Iterable[bool] = (
        condition_matches(c, country=country, answers=answers) for c in rule.conditions
    )
    return any(results) if rule.match == "any" else all(results)


def first_matching(
    rules: Sequence[RuleSpec], *, country: str, answers: Mapping[str, Any]
) -> RuleSpec | None:
    """The first rule, in the given order, that matches the prospect; None if none does."""
    return next((r for r in rules if rule_matches(r, country=country, answers=answers)), None)
