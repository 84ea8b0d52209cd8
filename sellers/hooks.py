"""Hooks sellers offers the apps above it; they connect or register in their
``AppConfig.ready()`` (sellers imports none of them).

- ``busy_changed`` — a signal sent with ``seller_ids`` after a bulk write of busy time or
  calendar status (``bulk_create``/``update()`` send no model signals), and ``eligibility``
  True when what changed decides who may be routed at all (a connection marked broken).
  scheduling bumps the slot cache of those sellers (and the roster's).
- ``register_booked_ranges(source)`` — where the sellers' own booked meetings come from, so
  a free/busy sync can drop the calendar's copies of our own events. bookings registers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable

from django.dispatch import Signal

busy_changed = Signal()

# (seller_id, start, end) → the (start, end) of the seller's booked meetings in the window.
BookedRanges = Callable[[uuid.UUID | str, dt.datetime, dt.datetime], Iterable[tuple]]
_booked_ranges: list[BookedRanges] = []


def register_booked_ranges(source: BookedRanges) -> None:
    """Add a source of booked meetings (idempotent)."""
    if source not in _booked_ranges:
        _booked_ranges.append(source)


def booked_ranges(
    seller_id: uuid.UUID | str, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The seller's booked meetings overlapping [start, end) from every registered source."""
    return [tuple(row) for source in _booked_ranges for row in source(seller_id, start, end)]


def notify_busy_changed(seller_ids: Iterable[object], *, eligibility: bool = False) -> None:
    busy_changed.send(sender=None, seller_ids=list(seller_ids), eligibility=eligibility)
