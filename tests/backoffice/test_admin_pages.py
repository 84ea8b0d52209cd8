"""The back office in the admin: today board (constant queries), retry, analytics and
what-if pages, and a seller's own page that shows nothing of anyone else."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.outbox.models import SyncJob
from sellers.models import CalendarConnection
from tests.backoffice.conftest import RANGE_PARAMS
from tests.factories import (
    BookingFactory,
    CalendarConnectionFactory,
    MeetingTypeFactory,
    PageFactory,
    SellerFactory,
    StaffFactory,
    SyncJobFactory,
    UserFactory,
)
from waitlist.models import WaitlistEntry, WaitlistSlot

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(StaffFactory(username="ops"))
    return client


def _rows(n: int) -> None:
    """``n`` of everything the board lists: meetings today, bookings needing manual sync
    with a failed job, broken calendars, pending outbox jobs, open waitlist offers."""
    now = timezone.now()
    for i in range(n):
        seller = SellerFactory(timezone="UTC")
        meeting_type = MeetingTypeFactory(page=PageFactory(seller=seller))
        booking = BookingFactory(
            meeting_type=meeting_type, seller=seller, name=f"Prospect {i}",
            start=now.replace(hour=23, minute=0, second=0, microsecond=0)
            if now.hour < 23 else now + dt.timedelta(minutes=20),
            calendar_needs_manual_sync=True,
        )  # fmt: skip
        SyncJobFactory(booking=booking, status=SyncJob.Status.FAILED)
        SyncJobFactory(booking=booking, target="email")
        CalendarConnectionFactory(seller=seller, status=CalendarConnection.Status.BROKEN)
        slot = WaitlistSlot.objects.create(
            seller=seller, start=now + dt.timedelta(days=1), end=now + dt.timedelta(days=1, hours=1)
        )
        WaitlistEntry.objects.create(
            slot=slot, first_name=f"Waiting {i}", phone="+51999999999",
            requested_slot=slot.start, status=WaitlistEntry.Status.NOTIFIED, notified_at=now,
        )  # fmt: skip


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_today_board_lists_everything_ops_needs(admin_client, breakers):
    _rows(1)
    for _ in range(10):
        breakers["sms"].record_failure()
    page = admin_client.get("/admin/").content.decode()
    assert "Today&#x27;s meetings" in page or "Today's meetings" in page
    assert page.count("Prospect 0") == 2  # today's meetings and the manual-sync list
    assert "Broken (reconnect needed)" in page
    assert "<strong>sms</strong>: open" in page
    assert "Outbox: 1 pending, 1 failed." in page
    assert "Waiting 0" in page
    assert 'action="/admin/backoffice/retry/' in page


def test_today_board_query_count_does_not_grow_with_rows(admin_client):
    _rows(1)
    one = _queries(admin_client)
    _rows(6)
    assert _queries(admin_client) == one


def test_retry_button_makes_the_failed_jobs_due_again(admin_client):
    _rows(1)
    job = SyncJob.objects.get(status=SyncJob.Status.FAILED)
    response = admin_client.post(f"/admin/backoffice/retry/{job.booking_id}/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == SyncJob.Status.PENDING
    job.booking.refresh_from_db()
    assert job.booking.calendar_needs_manual_sync is False


def test_analytics_page_draws_every_chart_with_its_table(admin_client, world):
    response = admin_client.get(
        "/admin/backoffice/analytics/", {**RANGE_PARAMS, "page": world["page"].pk}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<svg class="bo-svg"') == 7
    assert page.count("<table") >= 7
    assert "4 bookings · 1 cancelled · 1 completed · 1 no-shows · 1 won deals" in page
    assert "cdn" not in page.lower()


def test_analytics_page_shows_a_bad_range(admin_client, db):
    response = admin_client.get(
        "/admin/backoffice/analytics/", {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert "end must not be before start." in response.content.decode()


def test_what_if_page_compares_actual_and_simulated(admin_client, world):
    today = timezone.localdate().isoformat()
    response = admin_client.post(
        "/admin/backoffice/what-if/",
        {"page": world["page"].pk, "start": today, "end": today, "routing": "weighted"},
    )
    assert response.status_code == 200
    assert "0 requests replayed with Weighted" in response.content.decode()


def test_seller_sees_their_own_page_and_nothing_of_anyone_else(db):
    me = SellerFactory(name="Me", user=UserFactory(username="me", is_staff=True))
    other = SellerFactory(name="Other")
    BookingFactory(
        meeting_type=MeetingTypeFactory(page=PageFactory(seller=me)), seller=me, name="My prospect"
    )
    BookingFactory(
        meeting_type=MeetingTypeFactory(page=PageFactory(seller=other)),
        seller=other,
        name="Their prospect",
    )
    CalendarConnectionFactory(seller=me, account_email="me@cal.example")
    CalendarConnectionFactory(seller=other, account_email="other@cal.example")
    client = Client()
    client.force_login(me.user)
    page = client.get("/admin/").content.decode()
    assert "My prospect" in page and "me@cal.example" in page
    assert "Their prospect" not in page and "other@cal.example" not in page
    assert "Other" not in page.replace("Others", "")
    for url in ("/admin/backoffice/analytics/", "/admin/backoffice/what-if/"):
        assert client.get(url).status_code == 403
    assert client.get("/admin/bookings/booking/").status_code == 403
