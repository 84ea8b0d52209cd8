"""Pipedrive adapter, through our v2 client against a local fake speaking Pipedrive's wire
format."""

import datetime as dt
import time

import pytest

from bookings.models import Booking
from bookings.outbox.crm import handle_pipedrive
from integrations.base import ProviderPermanentError, ProviderTransientError
from tests.factories import BookingFactory, SyncJobFactory
from tests.integrations.fake_pipedrive import TOKEN, FakePipedrive

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def fake(settings):
    with FakePipedrive() as server:
        settings.PIPEDRIVE_API_TOKEN = TOKEN
        settings.PIPEDRIVE_COMPANY_DOMAIN = "acme"
        settings.PIPEDRIVE_API_URL = server.url
        settings.PIPEDRIVE_PIPELINE_ID = 3
        settings.PIPEDRIVE_STAGE_ID = 7
        settings.PROVIDER_TIMEOUT = 0.5
        yield server


@pytest.fixture
def booking():
    return BookingFactory(
        start=START,
        end=START + dt.timedelta(minutes=45),
        company="Acme SAC",
        answers={"team_size": "12"},
        meeting_type__name="Demo",
        meeting_type__duration=45,
        meeting_type__questions=[{"key": "team_size", "label": "Team size", "type": "text"}],
    )


def run(booking, action="create"):
    handle_pipedrive(
        SyncJobFactory(booking=booking, target="pipedrive", action=action, status="running")
    )
    return Booking.objects.get(pk=booking.pk)


def test_pipedrive_create_makes_one_person_deal_and_activity(fake, booking):
    synced = run(booking)

    assert len(fake.persons) == 1
    assert len(fake.deals) == 1
    assert len(fake.activities) == 1
    person = fake.persons[int(synced.pipedrive_person_id)]
    assert person["emails"][0]["value"] == booking.email
    deal = fake.deals[int(synced.pipedrive_deal_id)]
    assert deal["title"].startswith("Acme SAC · Demo [mr")
    assert (deal["person_id"], deal["pipeline_id"], deal["stage_id"]) == (person["id"], 3, 7)
    activity = fake.activities[int(synced.pipedrive_activity_id)]
    assert (activity["type"], activity["due_date"], activity["due_time"]) == (
        "meeting",
        "2026-12-07",
        "15:30",
    )
    assert activity["duration"] == "00:45"
    assert activity["deal_id"] == deal["id"]
    assert activity["participants"] == [{"person_id": person["id"], "primary": True}]
    assert "Team size: 12" in activity["note"]


def test_pipedrive_activity_location_is_a_v2_object(fake, booking):
    """Regression: ``location`` went as a string; v2's schema has an object ``{value, …}``."""
    Booking.objects.filter(pk=booking.pk).update(location="Av. Larco 123, Lima")

    synced = run(Booking.objects.get(pk=booking.pk))

    activity = fake.activities[int(synced.pipedrive_activity_id)]
    assert activity["location"] == {"value": "Av. Larco 123, Lima"}
    assert (activity["due_date"], activity["due_time"], activity["duration"]) == (
        "2026-12-07",
        "15:30",
        "00:45",
    )


def test_pipedrive_fake_refuses_a_string_location_and_bad_times(fake):
    import requests

    url = f"{fake.url}/api/v2/activities"
    base = {
        "subject": "s",
        "type": "meeting",
        "due_date": "2026-12-07",
        "due_time": "15:30",
        "duration": "00:45",
    }
    headers = {"x-api-token": TOKEN}

    def post(**changes):
        return requests.post(url, json={**base, **changes}, headers=headers, timeout=2)

    assert post(location="Av. Larco 123").status_code == 400
    assert post(due_time="3:30 PM").status_code == 400
    assert post(duration="45").status_code == 400
    assert post(bogus=1).status_code == 400
    assert post(location={"value": "Av. Larco 123"}).status_code == 200
    assert requests.post(url, json=base, timeout=2).status_code == 401


def test_pipedrive_me_reads_the_token_user(fake):
    from integrations.crm.pipedrive import PipedriveClient

    assert PipedriveClient.from_settings().me()["email"] == "owner@example.com"


def test_pipedrive_create_run_twice_changes_nothing_more(fake, booking):
    first = run(booking)
    second = run(booking)

    assert (len(fake.persons), len(fake.deals), len(fake.activities)) == (1, 1, 1)
    assert (second.pipedrive_person_id, second.pipedrive_deal_id, second.pipedrive_activity_id) == (
        first.pipedrive_person_id,
        first.pipedrive_deal_id,
        first.pipedrive_activity_id,
    )


def test_pipedrive_ids_lost_after_a_crash_are_found_again(fake, booking):
    run(booking)
    # As if the worker died after the provider calls but before saving the ids.
    Booking.objects.filter(pk=booking.pk).update(
        pipedrive_person_id="", pipedrive_deal_id="", pipedrive_activity_id=""
    )

    again = run(booking)

    assert (len(fake.persons), len(fake.deals), len(fake.activities)) == (1, 1, 1)
    assert again.pipedrive_activity_id == str(next(iter(fake.activities)))


def test_pipedrive_person_found_by_email_is_reused(fake, booking):
    existing = fake.add_person("Ana P.", booking.email.upper())

    synced = run(booking)

    assert synced.pipedrive_person_id == str(existing)
    assert len(fake.persons) == 1


def test_pipedrive_reschedule_updates_the_activity_time(fake, booking):
    run(booking)
    new_start = START + dt.timedelta(days=1, hours=2)
    Booking.objects.filter(pk=booking.pk).update(
        start=new_start,
        end=new_start + dt.timedelta(minutes=30),
        blocked_start=new_start,
        blocked_end=new_start + dt.timedelta(minutes=30),
    )

    synced = run(Booking.objects.get(pk=booking.pk), action="update")

    assert len(fake.activities) == 1
    activity = fake.activities[int(synced.pipedrive_activity_id)]
    assert (activity["due_date"], activity["due_time"], activity["duration"]) == (
        "2026-12-08",
        "17:30",
        "00:30",
    )
    assert activity["done"] is False


def test_pipedrive_cancel_marks_the_activity_done_and_cancelled(fake, booking):
    run(booking)
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")

    synced = run(Booking.objects.get(pk=booking.pk), action="cancel")
    run(synced, action="cancel")

    activity = fake.activities[int(synced.pipedrive_activity_id)]
    assert activity["done"] is True
    assert activity["subject"].startswith("Cancelled: Demo with Ana Prospect")
    assert len(fake.activities) == 1


def test_pipedrive_cancel_of_a_booking_never_synced_does_nothing(fake, booking):
    run(booking, action="cancel")

    assert fake.activities == {}
    assert [r.method for r in fake.requests] == []


def test_pipedrive_500_is_transient(fake, booking):
    fake.fail_next(status=500)

    with pytest.raises(ProviderTransientError):
        run(booking)


def test_pipedrive_429_is_transient_with_retry_after(fake, booking):
    fake.fail_next(status=429, retry_after=17)

    with pytest.raises(ProviderTransientError) as caught:
        run(booking)

    assert caught.value.retry_after == 17


def test_pipedrive_hang_is_transient_within_the_timeout(fake, booking):
    fake.hang_next(seconds=3)
    began = time.monotonic()

    with pytest.raises(ProviderTransientError, match="timed out"):
        run(booking)

    assert time.monotonic() - began < 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410])
def test_pipedrive_client_errors_are_permanent(fake, booking, status):
    fake.fail_next(status=status)

    with pytest.raises(ProviderPermanentError):
        run(booking)


def test_pipedrive_wrong_token_is_permanent(fake, booking, settings):
    settings.PIPEDRIVE_API_TOKEN = "wrong"

    with pytest.raises(ProviderPermanentError, match="401"):
        run(booking)


def test_pipedrive_recovers_after_a_failure_without_duplicates(fake, booking):
    fake.fail_next(status=503)
    with pytest.raises(ProviderTransientError):
        run(booking)

    run(booking)

    assert (len(fake.persons), len(fake.deals), len(fake.activities)) == (1, 1, 1)


def test_crm_handler_with_the_in_memory_fake_is_idempotent(booking):
    from integrations.crm.fake import FakeCrm

    crm = FakeCrm()
    job = SyncJobFactory(booking=booking, target="pipedrive", action="create", status="running")

    handle_pipedrive(job, provider=crm)
    handle_pipedrive(job, provider=crm)
    handle_pipedrive(
        SyncJobFactory(booking=booking, target="pipedrive", action="cancel", status="running"),
        provider=crm,
    )

    synced = Booking.objects.get(pk=booking.pk)
    assert (len(crm.contacts), len(crm.deals), len(crm.meetings)) == (1, 1, 1)
    assert crm.meetings[synced.pipedrive_activity_id]["cancelled"] is True


@pytest.mark.parametrize("domain", ["acme", "acme.pipedrive.com"])
def test_pipedrive_base_url_from_the_company_domain(settings, domain):
    from integrations.crm.pipedrive import PipedriveClient

    settings.PIPEDRIVE_API_URL = ""
    settings.PIPEDRIVE_COMPANY_DOMAIN = domain

    assert PipedriveClient.from_settings().base_url == "https://acme.pipedrive.com"
