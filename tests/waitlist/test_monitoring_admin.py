"""The waitlist dashboard's three tabs, the calendar config's admin buttons, and the
waitlist panel on a booking's admin page."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from integrations.calendar import fake
from tests.factories import BookingFactory, CalendarConnectionFactory, StaffFactory
from tests.waitlist.monitoring_helpers import google_config, watched_slot
from waitlist import dashboard
from waitlist.models import WaitlistCalendarConfig, WaitlistEntry

DASHBOARD = "/admin/waitlist/dashboard/"
SOON = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)


@pytest.fixture
def admin(db):
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def slot(db):
    slot = watched_slot(google_config(), SOON, waiting=2)
    slot.entries.filter(priority=1).update(status=WaitlistEntry.Status.CANCELLED)
    return slot


@pytest.fixture
def no_actions(monkeypatch):
    """The dashboard with no entry action registered (the waitlist admin registers its own)."""
    monkeypatch.setattr(dashboard, "_ENTRY_ACTIONS", {})


@pytest.fixture
def offer_action(no_actions):
    """An action as the offer flow registers one (its service: cancel the entry)."""

    def cancel(*, entry, actor):
        entry.status = WaitlistEntry.Status.CANCELLED
        entry.save(update_fields=["status"])

    dashboard.register_entry_action("cancel", "Cancel", cancel, statuses=("pending",))


def test_the_waitlist_registers_offer_resend_and_cancel_buttons() -> None:
    assert [a.name for a in dashboard.entry_actions()] == ["offer", "resend", "cancel"]


def test_entries_tab_filters_by_status_without_buttons_until_registered(admin, slot, no_actions):
    everyone = admin.get(DASHBOARD)
    cancelled = admin.get(DASHBOARD, {"tab": "entries", "status": "cancelled"})

    assert everyone.status_code == 200
    assert [e.priority for e in everyone.context["page"]] == [1, 0]
    assert [e.priority for e in cancelled.context["page"]] == [1]
    assert 'name="action"' not in everyone.content.decode()


def test_a_registered_entry_action_shows_and_runs(admin, slot, offer_action):
    page = admin.get(DASHBOARD).content.decode()
    entry = slot.entries.get(priority=0)

    response = admin.post(f"{DASHBOARD}?tab=entries", {"entry": entry.pk, "action": "cancel"})

    entry.refresh_from_db()
    assert page.count('value="cancel"') == 1  # only the pending entry has the button
    assert (response.status_code, entry.status) == (302, "cancelled")
    again = admin.post(DASHBOARD, {"entry": entry.pk, "action": "cancel"}, follow=True)
    assert "not available for this entry" in again.content.decode()


def test_slots_tab_shows_status_next_check_interval_and_last_result(admin, slot):
    slot.last_result, slot.check_interval_minutes = "busy", 30
    slot.next_check_at = SOON - dt.timedelta(hours=1)
    slot.save()

    response = admin.get(DASHBOARD, {"tab": "slots"})

    html = response.content.decode()
    row = response.context["page"][0]
    assert (row.pk, row.waiting) == (slot.pk, 1)
    assert "Still taken" in html and "30 min" in html
    assert f"{slot.next_check_at.astimezone(dt.UTC):%Y-%m-%d %H:%M}" in html


def test_settings_tab_explains_the_steps_and_shows_each_calendar(admin, slot, settings):
    settings.DISABLE_INTERNAL_CRONS = True
    settings.CRON_SECRET = ""
    WaitlistCalendarConfig.objects.filter(pk=slot.config_id).update(last_error="quota")

    html = admin.get(DASHBOARD, {"tab": "settings"}).content.decode()

    assert "more than 24 hours ahead: every 60 minutes" in html
    assert "6 to 24 hours ahead: every 30 minutes" in html
    assert "within 6 hours: every 10 minutes" in html
    assert "quota" in html and "never" in html
    assert "CRON_SECRET is not set" in html


def test_dashboard_needs_the_view_permission(db, slot):
    client = Client()
    client.force_login(StaffFactory(is_superuser=False))

    assert client.get(DASHBOARD).status_code == 403


def test_config_admin_buttons_choose_toggle_and_disconnect(admin, settings):
    settings.DEBUG = True  # the in-memory calendar stands in for Google
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    fake.shared().names["bookings-room"] = "Bookings room"
    config = google_config(CalendarConnectionFactory())
    base = f"/admin/waitlist/waitlistcalendarconfig/{config.pk}"

    page = admin.get(f"{base}/change/").content.decode()
    choose = admin.get(f"{base}/google/select/")
    chosen = admin.post(f"{base}/google/select/", {"calendar_id": "bookings-room"})
    admin.post(f"{base}/google/toggle/")
    config.refresh_from_db()
    assert (config.calendar_id, config.calendar_name, config.is_enabled) == (
        "bookings-room",
        "Bookings room",
        False,
    )
    admin.post(f"{base}/google/disconnect/")

    config.refresh_from_db()
    assert "Choose calendar" in page and "Switch monitoring off" in page
    assert "Outlook" not in page
    assert "Bookings room" in choose.content.decode() and chosen.status_code == 302
    assert (
        config.provider,
        config.connection,
        admin.get(f"{base}/google/toggle/").status_code,
    ) == (
        "internal",
        None,
        405,
    )


def test_connect_without_google_settings_says_so(admin, settings, slot):
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    url = f"/admin/waitlist/waitlistcalendarconfig/{slot.config_id}/google/connect/"

    response = admin.get(url, follow=True)

    assert "Google is not configured" in response.content.decode()


def test_booking_page_shows_who_waits_for_its_time(admin, slot):
    booking = BookingFactory(start=slot.start, end=slot.end)
    slot.seller = booking.seller
    slot.save()

    html = admin.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()

    assert 'id="booking-waitlist"' in html
    assert "Person 0" in html and "Person 1" not in html  # only who still waits


def test_booking_page_without_a_waitlist_says_nobody_waits(admin):
    booking = BookingFactory()

    html = admin.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()

    assert "Nobody waits for this time." in html


def test_booking_page_hides_the_waitlist_from_staff_who_may_not_see_it(db, slot):
    booking = BookingFactory(start=slot.start, end=slot.end)
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client = Client()
    client.force_login(viewer)

    html = client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()

    assert 'id="booking-waitlist"' not in html
