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
