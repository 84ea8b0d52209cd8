"""Which outbox targets a booking gets, and that staff never see the manage token."""

import pytest
from django.contrib.admin.sites import site
from django.test import override_settings

from bookings.outbox.models import SyncJob
from bookings.outbox.registry import targets_for
from tests.factories import BookingFactory, CalendarConnectionFactory, SyncJobFactory

pytestmark = pytest.mark.django_db

PROVIDERS_OFF = {
    "PIPEDRIVE_API_TOKEN": "",
    "HUBSPOT_ACCESS_TOKEN": "",
    "TWILIO_ACCOUNT_SID": "",
    "GOOGLE_SERVICE_ACCOUNT_FILE": "",
    "GOOGLE_SHARED_CALENDAR_ID": "",
}


@override_settings(**PROVIDERS_OFF)
def test_targets_for_booking_without_providers_is_email_only() -> None:
    booking = BookingFactory(location_type="phone")
    assert targets_for(booking) == ["email"]


@override_settings(**PROVIDERS_OFF)
def test_targets_for_seller_with_calendar_include_calendar() -> None:
    booking = BookingFactory(location_type="phone")
    CalendarConnectionFactory(seller=booking.seller)
    assert targets_for(booking) == ["email", "calendar"]


@override_settings(
    **{
        **PROVIDERS_OFF,
        "GOOGLE_SERVICE_ACCOUNT_FILE": "/secrets/key.json",
        "GOOGLE_SHARED_CALENDAR_ID": "sales@group.calendar.google.com",
    }
)
def test_targets_for_service_account_mode_include_calendar_without_connection() -> None:
    booking = BookingFactory(location_type="phone")
    assert targets_for(booking) == ["email", "calendar"]


def test_sync_job_admin_payload_hides_manage_url() -> None:
    job = SyncJobFactory(payload={"manage_url": "http://x/schedule/manage/secret-token/", "n": 1})
    shown = site._registry[SyncJob].payload_pretty(job)
    assert "secret-token" not in shown
    assert "&quot;n&quot;: 1" in shown  # escaped HTML
