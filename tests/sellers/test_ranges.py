"""sellers.ranges: the overlap test is written so PostgreSQL answers it from the GiST
indexes over (seller, span) — a form the planner cannot match would scan history."""

import datetime as dt

import pytest
from django.db import connection

from bookings.models import BLOCKING_STATUSES, Booking
from sellers.models import BusyInterval
from sellers.ranges import overlapping
from tests.factories import BookingFactory, BusyIntervalFactory

pytestmark = pytest.mark.django_db

SINCE = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)
UNTIL = SINCE + dt.timedelta(hours=1)


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Tiny test tables: no sequential scan. The window alone is the only condition, which
        # of the indexes only the GiST one (over the span) can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_busy_time_overlap_uses_its_gist_index():
    rows, window = overlapping(BusyInterval.objects.all(), "start", "end", SINCE, UNTIL)
    assert "busy_seller_span_gist" in plan_of(rows.filter(window))


def test_booked_time_overlap_uses_the_exclusion_constraints_index():
    rows, blocked = overlapping(Booking.objects.all(), "blocked_start", "blocked_end", SINCE, UNTIL)
    query = rows.filter(blocked, status__in=BLOCKING_STATUSES)
    assert "booking_no_overlap" in plan_of(query)


@pytest.mark.parametrize(
    ("start", "end", "kept"),
    [
        (SINCE - dt.timedelta(minutes=30), SINCE, False),  # ends as the window starts
        (SINCE - dt.timedelta(minutes=30), SINCE + dt.timedelta(minutes=1), True),
        (SINCE + dt.timedelta(minutes=10), SINCE + dt.timedelta(minutes=20), True),
        (UNTIL - dt.timedelta(minutes=1), UNTIL + dt.timedelta(hours=2), True),
        (UNTIL, UNTIL + dt.timedelta(minutes=30), False),  # starts as the window ends
    ],
)
def test_half_open_overlap(start, end, kept):
    interval = BusyIntervalFactory(start=start, end=end)
    rows, window = overlapping(BusyInterval.objects.all(), "start", "end", SINCE, UNTIL)
    assert list(rows.filter(window).values_list("pk", flat=True)) == ([interval.pk] if kept else [])
    booking = BookingFactory(blocked_start=start, blocked_end=end, start=start, end=end)
    rows, window = overlapping(Booking.objects.all(), "blocked_start", "blocked_end", SINCE, UNTIL)
    assert list(rows.filter(window).values_list("pk", flat=True)) == ([booking.pk] if kept else [])
