"""SMS through the real twilio client, its ``api.base_url`` pointed at a local fake."""

import datetime as dt
import time

import pytest

from bookings.outbox.models import SyncJob
from bookings.outbox.sms import handle, send_sms
from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.sms.fake import FakeSms
from tests.factories import BookingFactory, SyncJobFactory
from tests.integrations import fake_twilio

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def twilio(settings):
    with fake_twilio.FakeTwilio() as server:
        settings.TWILIO_ACCOUNT_SID = fake_twilio.ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = fake_twilio.AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = fake_twilio.FROM_NUMBER
        settings.TWILIO_API_URL = server.url
        settings.PROVIDER_TIMEOUT = 0.5
        yield server


@pytest.fixture
def booking():
    return BookingFactory(
        start=START,
        end=START + dt.timedelta(minutes=30),
        phone="+51987654321",
        timezone="America/Lima",
        meeting_url="https://zoom.example/j/1",
        meeting_type__name="Demo",
        meeting_type__page__seller__name="Bea Seller",
    )


def job_for(booking, action="create", **payload):
    return SyncJobFactory(
        booking=booking, target="sms", action=action, status="running", payload=payload
    )


def test_sms_confirmation_is_sent_once_per_job(twilio, booking):
    job = job_for(booking, manage_url="https://book.example/m/tok")

    handle(job)
    handle(SyncJob.objects.get(pk=job.pk))  # the same job delivered again

    (message,) = twilio.messages
    assert (message["to"], message["from"]) == ("+51987654321", fake_twilio.FROM_NUMBER)
    assert message["body"] == (
        "Confirmed: Demo with Bea Seller on Mon 07 Dec 10:30 (America/Lima). "
        "Join: https://zoom.example/j/1 Change or cancel: https://book.example/m/tok"
    )
    stored = SyncJob.objects.get(pk=job.pk).payload
    assert stored == {"manage_url": "https://book.example/m/tok", "message_ids": [message["sid"]]}


def test_sms_reschedule_and_cancel_texts(twilio, booking):
    handle(job_for(booking, action="update"))
    handle(job_for(booking, action="cancel"))

    assert [m["body"].split(":")[0] for m in twilio.messages] == ["Rescheduled", "Cancelled"]


def test_send_sms_service_returns_the_message_sid(twilio):
    sid = send_sms("+51 987 654 321", "Your waitlist slot is free.")

    assert sid == twilio.messages[0]["sid"]
    assert sid.startswith("SM")
    assert twilio.messages[0]["to"] == "+51987654321"


def test_send_sms_with_fake_sender_needs_no_network():
    sender = FakeSms()

    sid = send_sms("+51987654321", "hello", sender=sender)

    assert [(m.sid, m.to, m.body) for m in sender.sent] == [(sid, "+51987654321", "hello")]


def test_sms_to_an_invalid_number_is_permanent(twilio, booking):
    booking.phone = "12345"
    booking.save(update_fields=["phone"])

    with pytest.raises(ProviderPermanentError):
        handle(job_for(booking))
    assert twilio.requests == []


def test_sms_500_is_transient_and_a_retry_sends_once(twilio, booking):
    job = job_for(booking)
    twilio.fail_next(status=500)

    with pytest.raises(ProviderTransientError):
        handle(job)
    handle(SyncJob.objects.get(pk=job.pk))
    handle(SyncJob.objects.get(pk=job.pk))

    assert len(twilio.messages) == 1


def test_sms_429_is_transient_with_retry_after(twilio, booking):
    twilio.fail_next(status=429, retry_after=5)

    with pytest.raises(ProviderTransientError) as caught:
        handle(job_for(booking))

    assert caught.value.retry_after == 5


def test_sms_hang_is_transient_within_the_timeout(twilio, booking):
    twilio.hang_next(seconds=3)
    began = time.monotonic()

    with pytest.raises(ProviderTransientError, match="timed out"):
        handle(job_for(booking))

    assert time.monotonic() - began < 2


@pytest.mark.parametrize("status", [400, 401, 404])
def test_sms_client_errors_are_permanent(twilio, booking, status):
    twilio.fail_next(status=status)

    with pytest.raises(ProviderPermanentError):
        handle(job_for(booking))


def test_sms_wrong_credentials_are_permanent(twilio, booking, settings):
    settings.TWILIO_AUTH_TOKEN = "wrong"

    with pytest.raises(ProviderPermanentError, match="401"):
        handle(job_for(booking))
