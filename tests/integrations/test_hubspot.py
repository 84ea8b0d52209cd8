"""HubSpot adapter, with the real hubspot-api-client pointed at a local fake (``host``)."""

import datetime as dt
import time

import pytest

from bookings.models import Booking
from bookings.outbox.crm import handle_hubspot
from bookings.outbox.models import SyncJob
from bookings.outbox.worker import run_job
from bookings.services.manage import complete_booking, mark_no_show
from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.crm.hubspot import MEETING_TO_CONTACT, NOTE_TO_CONTACT
from tests.factories import BookingFactory, SyncJobFactory
from tests.integrations.fake_hubspot import TOKEN, FakeHubSpot

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC)


def ms(moment: dt.datetime) -> str:
    return str(int(moment.timestamp() * 1000))


@pytest.fixture
def fake(settings):
    with FakeHubSpot() as server:
        settings.HUBSPOT_ACCESS_TOKEN = TOKEN
        settings.HUBSPOT_API_URL = server.url
        settings.PROVIDER_TIMEOUT = 0.5
        yield server


@pytest.fixture
def booking():
    return BookingFactory(
        start=START,
        end=START + dt.timedelta(minutes=30),
        name="Ana Prospect",
        company="Acme SAC",
        phone="+51987654321",
        answers={"team_size": "12"},
        meeting_type__name="Demo",
        meeting_type__questions=[{"key": "team_size", "label": "Team size", "type": "text"}],
    )


def run(booking, action="create"):
    job = SyncJobFactory(booking=booking, target="hubspot", action=action, status="running")
    handle_hubspot(job)
    return Booking.objects.get(pk=booking.pk)


def test_hubspot_create_makes_contact_meeting_and_note(fake, booking):
    synced = run(booking)

    contact = fake.contacts[booking.email]
    assert contact["id"] == synced.hubspot_contact_id
    assert contact["properties"]["firstname"] == "Ana"
    assert contact["properties"]["company"] == "Acme SAC"
    meeting = fake.meetings[synced.hubspot_meeting_id]
    assert meeting["hs_meeting_outcome"] == "SCHEDULED"
    assert meeting["hs_timestamp"] == meeting["hs_meeting_start_time"] == ms(START)
    assert meeting["hs_meeting_end_time"] == ms(START + dt.timedelta(minutes=30))
    assert meeting["hs_meeting_title"] == "Demo with Ana Prospect"
    assert "Team size: 12" in fake.notes[synced.hubspot_note_id]["hs_note_body"]
    assert sorted(fake.associations) == [
        ("meetings", synced.hubspot_meeting_id, contact["id"], MEETING_TO_CONTACT),
        ("notes", synced.hubspot_note_id, contact["id"], NOTE_TO_CONTACT),
    ]


def test_hubspot_upsert_is_a_batch_upsert_by_email(fake, booking):
    run(booking)

    upserts = [r for r in fake.requests if r.path.endswith("/contacts/batch/upsert")]
    assert [r.json()["inputs"][0]["idProperty"] for r in upserts] == ["email"]
    assert upserts[0].json()["inputs"][0]["id"] == booking.email


def test_hubspot_run_twice_changes_nothing_more(fake, booking):
    first = run(booking)
    second = run(booking)

    assert (len(fake.contacts), len(fake.meetings), len(fake.notes)) == (1, 1, 1)
    assert len(fake.associations) == 2
    assert (second.hubspot_contact_id, second.hubspot_meeting_id, second.hubspot_note_id) == (
        first.hubspot_contact_id,
        first.hubspot_meeting_id,
        first.hubspot_note_id,
    )


def test_hubspot_ids_lost_after_a_crash_are_found_again(fake, booking):
    first = run(booking)
    Booking.objects.filter(pk=booking.pk).update(
        hubspot_contact_id="", hubspot_meeting_id="", hubspot_note_id=""
    )

    again = run(booking)

    assert (len(fake.contacts), len(fake.meetings), len(fake.notes)) == (1, 1, 1)
    assert again.hubspot_meeting_id == first.hubspot_meeting_id


def test_hubspot_reschedule_updates_the_meeting(fake, booking):
    run(booking)
    new_start = START + dt.timedelta(days=2)
    Booking.objects.filter(pk=booking.pk).update(
        start=new_start,
        end=new_start + dt.timedelta(minutes=30),
        blocked_start=new_start,
        blocked_end=new_start + dt.timedelta(minutes=30),
    )

    synced = run(Booking.objects.get(pk=booking.pk), action="update")

    meeting = fake.meetings[synced.hubspot_meeting_id]
    assert (meeting["hs_meeting_start_time"], meeting["hs_timestamp"]) == (
        ms(new_start),
        ms(new_start),
    )
    assert meeting["hs_meeting_outcome"] == "SCHEDULED"
    assert len(fake.meetings) == 1


def test_hubspot_cancel_sets_outcome_canceled(fake, booking):
    run(booking)
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")

    synced = run(Booking.objects.get(pk=booking.pk), action="cancel")

    assert fake.meetings[synced.hubspot_meeting_id]["hs_meeting_outcome"] == "CANCELED"
    assert len(fake.meetings) == 1


def test_hubspot_500_is_transient(fake, booking):
    fake.fail_next(status=500)

    with pytest.raises(ProviderTransientError):
        run(booking)


def test_hubspot_429_is_transient_with_retry_after(fake, booking):
    fake.fail_next(status=429, retry_after=11)

    with pytest.raises(ProviderTransientError) as caught:
        run(booking)

    assert caught.value.retry_after == 11


def test_hubspot_hang_is_transient_within_the_timeout(fake, booking):
    fake.hang_next(seconds=3)
    began = time.monotonic()

    with pytest.raises(ProviderTransientError):
        run(booking)

    assert time.monotonic() - began < 2


@pytest.mark.parametrize("status", [400, 401, 404])
def test_hubspot_client_errors_are_permanent(fake, booking, status):
    fake.fail_next(status=status)

    with pytest.raises(ProviderPermanentError):
        run(booking)


def test_hubspot_wrong_token_is_permanent(fake, booking, settings):
    settings.HUBSPOT_ACCESS_TOKEN = "wrong"

    with pytest.raises(ProviderPermanentError, match="401"):
        run(booking)


@pytest.mark.parametrize(
    ("finish", "outcome"), [(complete_booking, "COMPLETED"), (mark_no_show, "NO_SHOW")]
)
def test_a_finished_booking_sets_the_hubspot_outcome(fake, booking, settings, finish, outcome):
    settings.TWILIO_ACCOUNT_SID = ""
    synced = run(booking)

    finish(booking=synced, now=START + dt.timedelta(hours=1))

    jobs = SyncJob.objects.filter(booking=booking, status="pending")
    assert [(job.target, job.action) for job in jobs] == [("hubspot", "update")]
    assert run_job(job_id=str(jobs[0].pk)) == "done"
    meeting = fake.meetings[synced.hubspot_meeting_id]
    assert meeting["hs_meeting_outcome"] == outcome
    assert meeting["hs_meeting_start_time"] == ms(START)
    assert len(fake.meetings) == 1


def test_a_finished_booking_enqueues_nothing_without_hubspot(booking, settings):
    settings.HUBSPOT_ACCESS_TOKEN = ""

    complete_booking(booking=booking, now=START + dt.timedelta(hours=1))

    assert not SyncJob.objects.filter(booking=booking).exists()


def test_a_finished_booking_pushed_again_keeps_its_outcome(fake, booking):
    run(booking)
    Booking.objects.filter(pk=booking.pk).update(status="no_show")

    synced = run(Booking.objects.get(pk=booking.pk), action="update")

    assert fake.meetings[synced.hubspot_meeting_id]["hs_meeting_outcome"] == "NO_SHOW"
