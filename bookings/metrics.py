"""Seller metrics: daily counters per seller and prospect country, updated atomically."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import F

from bookings.models import Booking
from sellers.models import SellerMetric

COUNTERS = ("bookings", "cancelled", "rescheduled", "completed", "no_show", "deals_won")


def count(*, booking: Booking, counter: str, delta: int = 1) -> None:
    """Add ``delta`` to ``counter`` of the booking's seller, prospect country and meeting date
    (the seller's local date). Concurrent calls never lose an update (F() expression on a
    row made unique by (seller, country, date)); a counter never goes below zero."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown metric {counter!r}")
    day = booking.start.astimezone(ZoneInfo(booking.seller.timezone)).date()
    if delta > 0:
        _upsert(booking.seller_id, str(booking.country or ""), day, counter, delta)
        return
    metric, _ = SellerMetric.objects.get_or_create(
        seller_id=booking.seller_id, country=booking.country or "", date=day
    )
    rows = SellerMetric.objects.filter(pk=metric.pk)
    if delta < 0:
        rows = rows.filter(**{f"{counter}__gte": -delta})
    rows.update(**{counter: F(counter) + delta})


def _upsert(seller_id: object, country: str, day: dt.date, counter: str, delta: int) -> None:
    """One statement: insert the row or add to it (PostgreSQL and SQLite both speak
    ``INSERT … ON CONFLICT … DO UPDATE``), atomic under concurrent callers."""
    table = SellerMetric._meta.db_table
    others = ", ".join(c for c in COUNTERS if c != counter)
    zeros = ", ".join("0" for c in COUNTERS if c != counter)
    field = SellerMetric._meta.get_field("seller")
    seller_value = field.get_db_prep_value(seller_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (seller_id, country, date, {counter}, {others}) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, {zeros}) "
            f"ON CONFLICT (seller_id, country, date) "
            f"DO UPDATE SET {counter} = {table}.{counter} + excluded.{counter}",
            [seller_value, country, day, delta],
        )
