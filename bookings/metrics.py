"""Seller metrics: daily counters per seller and prospect country, updated atomically.

What each counter means, so that counting as things happen (``count``, called by the
booking services on every change) and recounting from the bookings (``rebuild``) agree —
a row is (seller, prospect country, date of the meeting in the seller's zone):
- ``bookings``: bookings at that place now, whatever their status (a move takes one off
  the old day and adds one to the new);
- ``cancelled`` / ``completed`` / ``no_show``: those bookings with that status;
- ``rescheduled``: moves away from that place (counted on the day the booking left);
- ``deals_won``: those bookings whose CRM deal was reported won (only a started meeting
  can be won, and a started meeting can no longer move).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F

from bookings.models import MEETING_STATUSES, Booking, BookingEvent, BookingStatus
from config import sqlbatch
from sellers.models import Seller, SellerMetric

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
    ``INSERT … ON CONFLICT … DO UPDATE``), atomic under concurrent callers; queued inside
    ``sqlbatch.collecting()``."""
    table = SellerMetric._meta.db_table
    others = ", ".join(c for c in COUNTERS if c != counter)
    zeros = ", ".join("0" for c in COUNTERS if c != counter)
    field = SellerMetric._meta.get_field("seller")
    seller_value = field.get_db_prep_value(seller_id, connection)
    sqlbatch.execute(
        f"INSERT INTO {table} (seller_id, country, date, {counter}, {others}) "  # noqa: S608
        f"VALUES (%s, %s, %s, %s, {zeros}) "
        f"ON CONFLICT (seller_id, country, date) "
        f"DO UPDATE SET {counter} = {table}.{counter} + excluded.{counter}",
        [seller_value, country, day, delta],
    )


Key = tuple[str, str, dt.date]


def rebuild(*, start: dt.date, end: dt.date) -> int:
    """Recompute every seller's counters for the local dates [start, end] from the bookings
    and their ``rescheduled`` events, replacing the rows of those dates. Idempotent. Returns
    the number of rows written. Reads values only (no model instances) in a few queries."""
    # A local date lies within a day of the UTC date, whatever the zone.
    since = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    totals: dict[Key, Counter[str]] = {}
    zones: dict[str, ZoneInfo] = {}

    def add(seller_id: object, zone: str, country: str, when: dt.datetime, name: str) -> None:
        tz = zones.setdefault(zone, ZoneInfo(zone))
        day = when.astimezone(tz).date()
        if start <= day <= end:
            totals.setdefault((str(seller_id), country or "", day), Counter())[name] += 1

    rows = Booking.objects.filter(
        start__gte=since, start__lt=until, status__in=MEETING_STATUSES
    ).values_list("seller_id", "seller__timezone", "country", "start", "status", "deal_won_at")
    for seller_id, zone, country, when, status, won in rows.iterator(chunk_size=5000):
        add(seller_id, zone, country, when, "bookings")
        if status != BookingStatus.CONFIRMED:
            add(seller_id, zone, country, when, STATUS_COUNTER[status])
        if won is not None:
            add(seller_id, zone, country, when, "deals_won")
    for mover, zone, country, when in _moves(since, until):
        add(mover, zone, country, when, "rescheduled")
    with transaction.atomic():
        SellerMetric.objects.filter(date__gte=start, date__lte=end).delete()
        SellerMetric.objects.bulk_create(
            SellerMetric(seller_id=seller, country=country, date=day, **dict(figures))
            for (seller, country, day), figures in totals.items()
        )
    return len(totals)


STATUS_COUNTER: dict[str, str] = {
    BookingStatus.CANCELLED: "cancelled",
    BookingStatus.COMPLETED: "completed",
    BookingStatus.NO_SHOW: "no_show",
}


def _moves(
    since: dt.datetime, until: dt.datetime
) -> Iterable[tuple[uuid.UUID, str, str, dt.datetime]]:
    """(old seller, their zone, country, old start) of each move whose old start is in
    [since, until), from the ``rescheduled`` events' ``previous``."""
    # The services write ``previous.start`` as UTC ISO text, so text order is time order.
    events = BookingEvent.objects.filter(
        kind=BookingEvent.Kind.RESCHEDULED,
        data__previous__start__gte=since.isoformat(),
        data__previous__start__lt=until.isoformat(),
    ).values_list("data__previous__seller", "data__previous__start", "booking__country")
    moved = [(uuid.UUID(s), dt.datetime.fromisoformat(w), c) for s, w, c in events]
    zones = dict(Seller.objects.filter(pk__in={m[0] for m in moved}).values_list("pk", "timezone"))
    return [(s, zones[s], c, w) for s, w, c in moved if s in zones]
