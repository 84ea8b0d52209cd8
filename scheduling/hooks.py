"""Hooks scheduling offers the apps above it; they register in their ``AppConfig.ready()``
(scheduling imports none of them).

- ``register_booked_time(source)`` — where booked meetings come from: the slot selectors
  read them as busy time and count them against daily/weekly limits. bookings registers.
- ``register_strategies(...)`` — the values a page's ``routing`` setting may take, its
  default, and which of them narrow the eligible sellers to the prospect's country.
  routing registers its ``RoutingStrategy``.
- ``scheduling.signals.track_seller_rows(model)`` — bump the slot cache whenever a row of
  ``model`` (with a ``seller_id``) is saved or deleted. bookings tracks ``Booking``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class BookedTimeQuery:
    """Which booked meetings the slot selectors need for some sellers.

    Rows that block time: ``blocking_statuses`` ones whose blocked range (meeting widened by
    its buffers) overlaps [busy_from, busy_to). Rows that count: when ``meeting_type_id``
    is set, the counted ones of that type starting in [count_from, count_to).
    """

    seller_ids: Sequence[Any]
    busy_from: dt.datetime
    busy_to: dt.datetime
    meeting_type_id: Any | None
    count_from: dt.datetime
    count_to: dt.datetime
    exclude_booking_id: uuid.UUID | None = None


@dataclass(frozen=True)
class BookedTime:
    """A source of booked meetings. ``rows`` returns a queryset with the fields
    ``seller_id``, ``status``, ``meeting_type_id``, ``start``, ``blocked_start`` and
    ``blocked_end`` (read as raw values, so the selectors keep their query count and
    speed); a row blocks time when its status is one of ``blocking_statuses``."""

    rows: Callable[[BookedTimeQuery], QuerySet]
    blocking_statuses: frozenset[str]


_booked_time: list[BookedTime] = []


def register_booked_time(source: BookedTime) -> None:
    """Set the source of booked meetings (one: a second registration replaces it)."""
    _booked_time[:] = [source]


def booked_time() -> BookedTime | None:
    """The registered source, or None (nothing is booked without one)."""
    return _booked_time[0] if _booked_time else None


@dataclass(frozen=True)
class _Strategies:
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""
    by_country: frozenset[str] = frozenset()


_strategies = [_Strategies()]


def register_strategies(
    choices: Iterable[tuple[str, str]], *, default: str, by_country: Iterable[str] = ()
) -> None:
    """Declare the values of ``SchedulingPage.routing`` (replaces an earlier declaration)."""
    declared = _Strategies(tuple(choices), default, frozenset(by_country))
    values = {value for value, _ in declared.choices}
    if default not in values or not declared.by_country <= values:
        raise ValueError("the default and by-country strategies must be among the choices")
    _strategies[0] = declared


def strategy_choices() -> list[tuple[str, str]]:
    """The field's choices (a callable, so the migration state does not depend on them)."""
    return list(_strategies[0].choices)


def default_strategy() -> str:
    return _strategies[0].default


def narrows_by_country(strategy: str) -> bool:
    """Whether a page routed by ``strategy`` offers only sellers near the prospect."""
    return strategy in _strategies[0].by_country
