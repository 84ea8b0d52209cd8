"""Every provider at once, end to end: a booking through the public API with Google
Calendar (a seller's connection, the fake Google), Pipedrive, HubSpot and email (locmem) all
on, drained by the real outbox worker (Celery eager, poked on commit, and the sweep)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from bookings import ics
from bookings.models import Booking
from bookings.outbox import tasks, worker
from bookings.outbox.models import SyncJob
from tests.bookings.conftest import body, personal_page, slot
from tests.factories import CalendarConnectionFactory
from tests.integrations import fake_hubspot, fake_pipedrive
from tests.integrations.fake_google import FakeGoogle
from tests.integrations.fake_hubspot import FakeHubSpot
from tests.integrations.fake_pipedrive import FakePipedrive

pytestmark = pytest.mark.django_db

Status = SyncJob.Status
PROVIDERS = {"calendar", "pipedrive", "hubspot"}
SELLER_EMAIL = "sam@example.com"
PROSPECT_EMAIL = "prospect0@example.com"
RETRY_BASE_SECONDS = 30


class _MaxJitter:
    """Stands in for the worker's ``random``: the backoff is always its upper bound."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        return high


@pytest.fixture
def providers(settings, monkeypatch, breakers):
    """The fake Google, Pipedrive and HubSpot started and configured; email to locmem."""
    with FakeGoogle() as google, FakePipedrive() as pipedrive, FakeHubSpot() as hubspot:
        settings.GOOGLE_CLIENT_ID = google.client_id
        settings.GOOGLE_CLIENT_SECRET = google.client_secret
        settings.GOOGLE_API_ENDPOINT = google.api_endpoint
        settings.GOOGLE_TOKEN_URI = google.token_uri
        settings.GOOGLE_AUTH_URI = google.url + "/o/oauth2/auth"
        settings.GOOGLE_TIMEOUT = 1.0
        settings.GOOGLE_PUSH_ADDRESS = "https://book.example.com/integrations/google/notifications/"
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain HTTP
        settings.PIPEDRIVE_API_TOKEN = fake_pipedrive.TOKEN
        settings.PIPEDRIVE_COMPANY_DOMAIN = "acme"
        settings.PIPEDRIVE_API_URL = pipedrive.url
        settings.PIPEDRIVE_PIPELINE_ID = 3
        settings.PIPEDRIVE_STAGE_ID = 7
        settings.HUBSPOT_ACCESS_TOKEN = fake_hubspot.TOKEN
        settings.HUBSPOT_API_URL = hubspot.url
        settings.PROVIDER_TIMEOUT = 1.0
        settings.TWILIO_ACCOUNT_SID = ""
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        settings.SYNC_RETRY_BASE_SECONDS = RETRY_BASE_SECONDS
        settings.CIRCUIT_FAILURE_THRESHOLD = 100  # retries are the subject here, not circuits
        monkeypatch.setattr(worker, "random", _MaxJitter())
        yield google, pipedrive, hubspot


@pytest.fixture
def meeting_type(providers):
    google, _, _ = providers
    meeting_type, seller = personal_page(location_type="google_meet")
    seller.email = SELLER_EMAIL
    seller.save(update_fields=["email"])
    access, refresh = google.grant()
    CalendarConnectionFactory(
        seller=seller,
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=1),
        busy_calendar_ids=["primary"],
    )
    return meeting_type


def book(api_client, meeting_type, capture) -> Booking:
    url = f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"
    with capture(execute=True):
        response = api_client.post(url, body(slot(hour=10), company="Acme SAC"), format="json")
    assert response.status_code == 201, response.json()
    return Booking.objects.get(pk=response.json()["id"])


def live_google_events(google) -> list[dict]:
    return [
        event for calendar_id in list(google.events) for event in google.live_events(calendar_id)
    ]


def fake_state(google, pipedrive, hubspot) -> tuple:
    """Everything the providers hold and every request they saw, plus the mail sent."""
    return (
        len(live_google_events(google)),
        len(pipedrive.persons),
        len(pipedrive.deals),
        len(pipedrive.activities),
        len(hubspot.contacts),
        len(hubspot.meetings),
        len(hubspot.notes),
        len(google.requests),
        len(pipedrive.requests),
        len(hubspot.requests),
        len(mail.outbox),
    )


def test_booking_with_every_provider_syncs_each_exactly_once(
    api_client, meeting_type, providers, django_capture_on_commit_callbacks
):
    google, pipedrive, hubspot = providers

    booking = book(api_client, meeting_type, django_capture_on_commit_callbacks)

    jobs = SyncJob.objects.filter(booking=booking)
    assert sorted(jobs.values_list("target", "status")) == [
        ("calendar", Status.DONE),
        ("email", Status.DONE),
        ("hubspot", Status.DONE),
        ("pipedrive", Status.DONE),
    ]
    assert (
        booking.calendar_synced,
        booking.pipedrive_synced,
        booking.hubspot_synced,
        booking.email_synced,
    ) == (True, True, True, True)

    # Google: one event, with a Meet link, stored on the booking.
    [event] = live_google_events(google)
    assert event["id"] == booking.calendar_event_id
    assert event["hangoutLink"].startswith("https://meet.google.com/")
    assert booking.meeting_url == event["hangoutLink"]

    # Pipedrive: one person, one deal, one activity, linked together.
    assert (len(pipedrive.persons), len(pipedrive.deals), len(pipedrive.activities)) == (1, 1, 1)
    person = pipedrive.persons[int(booking.pipedrive_person_id)]
    assert person["emails"][0]["value"] == PROSPECT_EMAIL
    deal = pipedrive.deals[int(booking.pipedrive_deal_id)]
    assert deal["person_id"] == person["id"]
    assert pipedrive.activities[int(booking.pipedrive_activity_id)]["deal_id"] == deal["id"]

    # HubSpot: one contact, one meeting (and its note).
    assert list(hubspot.contacts) == [PROSPECT_EMAIL]
    assert list(hubspot.meetings) == [booking.hubspot_meeting_id]
    assert hubspot.contacts[PROSPECT_EMAIL]["id"] == booking.hubspot_contact_id
    assert len(hubspot.notes) == 1

    # Email: prospect and seller. The prospect's carries the invite, which parses back;
    # the seller's does not, by design: their connected Google Calendar holds the event
    # (bookings.outbox.messages.build: no duplicate invite for a synced calendar).
    prospect, seller = mail.outbox
    assert (prospect.to, seller.to) == ([PROSPECT_EMAIL], [SELLER_EMAIL])
    [(name, content, _mimetype)] = prospect.attachments
    assert name == "invite.ics"
    cal = Calendar.from_ical(content)
    [vevent] = cal.walk("VEVENT")
    assert str(cal["method"]) == "REQUEST"
    assert str(vevent["uid"]) == ics.uid_for(booking)
    assert str(vevent["uid"]).startswith(f"{booking.pk}@")
    assert vevent.decoded("dtstart") == booking.start
    assert list(seller.attachments) == []

    # Running the jobs again changes nothing: no new records, no requests, no mail.
    before = fake_state(google, pipedrive, hubspot)
    assert tasks.sweep_due_jobs() == 0
    assert tasks.sweep_due_jobs() == 0
    for job in jobs:
        assert worker.run_job(job_id=str(job.pk)) == worker.SKIPPED
    assert fake_state(google, pipedrive, hubspot) == before
    assert set(jobs.values_list("status", flat=True)) == {Status.DONE}


def test_providers_down_then_back_the_booking_stands_and_the_sweep_catches_up(
    api_client, meeting_type, providers, django_capture_on_commit_callbacks
):
    google, pipedrive, hubspot = providers
    for fake in providers:
        fake.fail_next(50, status=500)
    started = timezone.now()

    booking = book(api_client, meeting_type, django_capture_on_commit_callbacks)

    jobs = SyncJob.objects.filter(booking=booking, target__in=PROVIDERS)
    assert jobs.count() == 3
    for job in jobs:
        assert (job.target, job.status) == (job.target, Status.PENDING)
        assert job.attempts >= 1, job.target
        assert "500" in job.last_error, (job.target, job.last_error)
        assert job.not_before > timezone.now(), job.target
        assert job.not_before - started <= dt.timedelta(seconds=RETRY_BASE_SECONDS + 5)
    assert SyncJob.objects.get(booking=booking, target="email").status == Status.DONE
    assert tasks.sweep_due_jobs() == 0  # nothing due yet: no hammering the providers
    assert (booking.calendar_synced, booking.pipedrive_synced, booking.hubspot_synced) == (
        False,
        False,
        False,
    )

    for fake in providers:
        fake.recover()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=60), tick=True):
        assert tasks.sweep_due_jobs() == 3
        assert tasks.sweep_due_jobs() == 0

    assert set(jobs.values_list("status", flat=True)) == {Status.DONE}
    booking.refresh_from_db()
    assert (booking.calendar_synced, booking.pipedrive_synced, booking.hubspot_synced) == (
        True,
        True,
        True,
    )
    assert len(live_google_events(google)) == 1
    assert booking.meeting_url.startswith("https://meet.google.com/")
    assert (len(pipedrive.persons), len(pipedrive.deals), len(pipedrive.activities)) == (1, 1, 1)
    assert (len(hubspot.contacts), len(hubspot.meetings)) == (1, 1)
    assert len(mail.outbox) == 2
