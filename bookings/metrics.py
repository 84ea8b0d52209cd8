"""Seller metrics: daily counters per seller and prospect country, updated atomically."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import F

from bookings.models import Booking
from sellers.models import SellerMetric

COUNTERS = ("bookings", "cancelled", "rescheduled", "completed", "no_show")


def count(*, booking: Booking, counter: str, delta: int = 1) -> None:
    """Add ``delta`` to ``counter`` of the booking's seller, prospect country and meeting date
    (the seller's local date). Concurrent calls never lose an update (F() expression on a
    row made unique by (seller, country, date)); a counter never goes below zero."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown metric {counter!r}")
    day = booking.start.astimezone(ZoneInfo(booking.seller.timezone)).date()
    metric, _ = SellerMetric.objects.get_or_create(
        seller_id=booking.seller_id, country=booking.country or "", date=day
    )
    rows = SellerMetric.objects.filter(pk=metric.pk)
    if delta < 0:
        rows = rows.filter(**{f"{counter}__gte": -delta})
    rows.update(**{counter: F(counter) + delta})
