"""Hooks routing offers the apps above it; they register in their ``AppConfig.ready()``
(routing imports none of them).

- ``register_load_counter(counter)`` — how many meetings each seller has taken since a
  moment: the "load" that lowest-load and weighted routing balance. bookings registers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

# (seller ids, since) → {seller id: meetings taken since then}; sellers without any omitted.
LoadCounter = Callable[[Sequence[Any], dt.datetime], Mapping[Any, int]]
_load_counter: list[LoadCounter] = []


def register_load_counter(counter: LoadCounter) -> None:
    """Set where loads come from (one: a second registration replaces it)."""
    _load_counter[:] = [counter]


def loads(seller_ids: Sequence[Any], since: dt.datetime) -> Mapping[Any, int]:
    """Each seller's load since ``since`` (empty without a registered counter)."""
    return _load_counter[0](seller_ids, since) if _load_counter else {}
