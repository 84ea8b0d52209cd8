"""Hooks routing offers the apps above it; they register in their ``AppConfig.ready()``
(routing imports none of them).

- ``register_load_counter(counter)`` — how many meetings a seller has taken since a
  moment, as an expression over a ``Seller`` row (read in the same query as the rest of
  the routing figures): the "load" that lowest-load and weighted routing balance.
  bookings registers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Expression, IntegerField, Value

# since → an expression over a Seller row: the meetings that seller has taken since then.
LoadCounter = Callable[[dt.datetime], Expression]
_load_counter: list[LoadCounter] = []


def register_load_counter(counter: LoadCounter) -> None:
    """Set where loads come from (one: a second registration replaces it)."""
    _load_counter[:] = [counter]


def load_since(since: dt.datetime) -> Expression:
    """A seller's load since ``since``, to annotate Seller rows with (0 without a
    registered counter)."""
    if _load_counter:
        return _load_counter[0](since)
    return Value(0, output_field=IntegerField())
