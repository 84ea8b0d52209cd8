"""The waitlist check tick through the real Google client against the fake Google:
free/busy batching (≤ 50 calendars per call), unreadable calendars, revoked grants."""

import datetime as dt

import pytest
from django.utils import timezone

from sellers.models import CalendarConnection
from tests.factories import CalendarConnectionFactory
from tests.integrations.fake_google import FakeGoogle
from tests.waitlist.monitoring_helpers import google_config, watched_slot
from waitlist.models import WaitlistCalendarConfig, WaitlistSlot
from waitlist.services import monitoring

START = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)


@pytest.fixture
def google(settings, monkeypatch):
    with FakeGoogle() as fake:
        settings.GOOGLE_CLIENT_ID = fake.client_id
        settings.GOOGLE_CLIENT_SECRET = fake.client_secret
        settings.GOOGLE_API_ENDPOINT = fake.api_endpoint
        settings.GOOGLE_TOKEN_URI = fake.token_uri
        settings.GOOGLE_AUTH_URI = fake.url + "/o/oauth2/auth"
        settings.GOOGLE_REDIRECT_URI = "http://testserver/integrations/google/callback/"
        settings.GOOGLE_TIMEOUT = 2.0
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        yield fake


@pytest.fixture
def account(db, google):
    access, refresh = google.grant()
    return CalendarConnectionFactory(
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=1),
        account_email=google.account_email,
    )


def rooms(google, count):
    names = {f"room{n:03d}@group.calendar.google.com": f"Room {n}" for n in range(count)}
    google.calendar_names.update(names)
    return sorted(names)


def test_120_calendars_of_one_account_take_three_calls_of_at_most_50(google, account):
    calendars = rooms(google, 120)
    slots = [
        watched_slot(google_config(account, calendar_id=cid), START + dt.timedelta(hours=n))
        for n, cid in enumerate(calendars)
    ]
    for slot in slots[:100]:  # a reservation still holds these; the last 20 were cancelled
        google.put_event(slot.config.calendar_id, slot.start, slot.end)

    report = monitoring.run_tick()

    calls = google.calls("POST", "/freeBusy")
    assert [len(call.json()["items"]) for call in calls] == [50, 50, 20]
    assert (report.calls, report.checked, report.busy, report.free) == (3, 120, 100, 20)
    statuses = dict(WaitlistSlot.objects.values_list("pk", "status"))
    assert [statuses[s.pk] for s in slots[98:102]] == [
        "monitoring",
        "monitoring",
        "available",
        "available",
    ]


def test_a_freed_reservation_is_seen_at_the_next_due_check(google, account, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    slot = watched_slot(google_config(account, calendar_id=google.account_email), START)
    event = google.put_event(google.account_email, slot.start, slot.end)
    assert monitoring.run_tick().busy == 1

    google.remove_event(google.account_email, event)
    assert monitoring.run_tick().checked == 0  # not due yet: no call
    time_machine.shift(dt.timedelta(hours=1))
    report = monitoring.run_tick()

    slot.refresh_from_db()
    assert (report.free, slot.status) == (1, "available")
    assert len(google.calls("POST", "/freeBusy")) == 2


def test_a_calendar_google_cannot_read_is_an_error_not_a_free_slot(google, account):
    good = watched_slot(google_config(account, calendar_id=google.account_email), START)
    google.put_event(google.account_email, good.start, good.end)
    gone = watched_slot(
        google_config(account, calendar_id="deleted@group.calendar.google.com"), START
    )

    report = monitoring.run_tick()

    gone.refresh_from_db()
    config = WaitlistCalendarConfig.objects.get(pk=gone.config_id)
    assert (report.busy, report.errors, report.free) == (1, 1, 0)
    assert (gone.status, gone.last_result) == ("monitoring", "error")
    assert gone.next_check_at > timezone.now()
    assert config.last_error == "free/busy could not read the selected calendar"
    assert WaitlistCalendarConfig.objects.get(pk=good.config_id).last_sync_at is not None


def test_a_revoked_grant_marks_the_connection_broken_and_stops_polling(google, account):
    slot = watched_slot(google_config(account), START)
    google.revoke(account.refresh_token)
    CalendarConnection.objects.filter(pk=account.pk).update(
        token_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    report = monitoring.run_tick()

    slot.refresh_from_db()
    account.refresh_from_db()
    assert (report.errors, slot.last_result, account.status) == (1, "error", "broken")
    assert "invalid_grant" in WaitlistCalendarConfig.objects.get(pk=slot.config_id).last_error
    slot.next_check_at = None
    slot.save()
    assert monitoring.run_tick().checked == 0  # broken connection: not polled any more


@pytest.mark.parametrize("fail", [500, 429])
def test_a_failing_google_is_recorded_and_retried_at_the_next_interval(google, account, fail):
    slot = watched_slot(google_config(account), START)
    google.fail_next(5, status=fail)

    report = monitoring.run_tick()

    slot.refresh_from_db()
    assert (report.errors, slot.status, slot.last_result) == (1, "monitoring", "error")
    assert slot.next_check_at > timezone.now()
