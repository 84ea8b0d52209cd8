"""The back office on small data sets: filters, query counts, adding a booking."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingEvent
from bookings.outbox.models import SyncJob
from sellers.models import CalendarConnection
from tests.factories import (
    BookingFactory,
    CalendarConnectionFactory,
    MeetingTypeFactory,
    SellerFactory,
    SyncJobFactory,
)
from tests.foundation.conftest import admin_url

pytestmark = pytest.mark.django_db


url = admin_url


def test_admin_booking_list_filters_needs_manual_sync(client) -> None:
    seller = SellerFactory()
    start = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)
    flagged = BookingFactory(
        meeting_type__page__seller=seller,
        seller=seller,
        hubspot_needs_manual_sync=True,
        start=start,
    )
    clean = BookingFactory(
        meeting_type=flagged.meeting_type, seller=seller, start=start.replace(hour=17)
    )

    yes = client.get(url(Booking, "changelist"), {"manual_sync": "yes"})
    no = client.get(url(Booking, "changelist"), {"manual_sync": "no"})

    assert list(yes.context["cl"].result_list) == [flagged]
    assert list(no.context["cl"].result_list) == [clean]
    assert "start (prospect&#x27;s zone)" in yes.content.decode().lower()
    assert "2026-12-01 10:00 America/Lima" in yes.content.decode()


def changelist_queries(client: Client, model: type) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(model, "changelist")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [Booking, SyncJob, CalendarConnection, BookingEvent])
def test_admin_changelist_query_count_does_not_grow_with_rows(model, client) -> None:
    def add_rows(n: int) -> None:
        for _ in range(n):
            seller = SellerFactory()
            booking = BookingFactory(meeting_type__page__seller=seller, seller=seller)
            SyncJobFactory(booking=booking)
            CalendarConnectionFactory(seller=seller)
            BookingEvent.objects.create(booking=booking, kind="created")

    add_rows(1)
    one = changelist_queries(client, model)
    add_rows(2)
    three = changelist_queries(client, model)

    assert one == three


def booking_form(meeting_type, seller, start: str, end: str) -> dict[str, object]:
    data: dict[str, object] = {
        "meeting_type": meeting_type.pk,
        "seller": seller.pk,
        "status": "confirmed",
        "start_0": start[:10],
        "start_1": start[11:],
        "end_0": end[:10],
        "end_1": end[11:],
        "timezone": "America/Lima",
        "source": "admin",
        "name": "Walk-in Prospect",
        "email": "walk-in@example.com",
        "answers": "{}",
        "location_type": "google_meet",
    }
    for prefix in ("events", "reminders", "sync_jobs"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def test_admin_add_booking_sets_blocked_range_and_token_hash(client) -> None:
    seller = SellerFactory()
    meeting_type = MeetingTypeFactory(page__seller=seller, buffer_before=5, buffer_after=10)

    response = client.post(
        url(Booking, "add"),
        booking_form(meeting_type, seller, "2026-12-01 15:00:00", "2026-12-01 15:30:00"),
    )

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert (booking.blocked_start, booking.blocked_end) == (
        dt.datetime(2026, 12, 1, 14, 55, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 1, 15, 40, tzinfo=dt.UTC),
    )
    assert len(booking.manage_token_hash) == 64
    assert booking.manage_token_expires_at == booking.end + dt.timedelta(days=7)
    assert booking.source == "admin"


def test_admin_add_overlapping_booking_is_a_form_error_not_a_crash(client) -> None:
    seller = SellerFactory()
    existing = BookingFactory(
        meeting_type__page__seller=seller,
        seller=seller,
        start=dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC),
    )

    response = client.post(
        url(Booking, "add"),
        booking_form(existing.meeting_type, seller, "2026-12-01 15:15:00", "2026-12-01 15:45:00"),
    )

    assert response.status_code == 200
    assert "already has a confirmed booking then" in response.content.decode()
    assert Booking.objects.count() == 1
