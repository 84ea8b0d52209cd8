"""Two-way SMS through the real twilio client against the local fake: reminders sent with
a status callback, Twilio's signed inbound messages and callbacks (wrong signature → 403),
C / X / R / help, STOP and START honoured by every text we send."""

import datetime as dt

import pytest
import time_machine

from bookings.models import Booking, BookingStatus, Reminder, SmsMessage, SmsOptOut
from bookings.outbox.models import SyncJob
from bookings.outbox.sms import handle
from bookings.reminders import sweep
from integrations.email.fake import FakeEmailSender
from integrations.email.fallback import FallbackSender
from integrations.sms.twilio import TwilioSms
from tests.bookings.reminders.conftest import PHONE, book, minutes_before
from tests.factories import SyncJobFactory
from tests.integrations import fake_twilio

pytestmark = pytest.mark.django_db
INBOUND = "http://127.0.0.1:8000/integrations/twilio/sms/"
STATUS = "http://127.0.0.1:8000/integrations/twilio/sms/status/"


@pytest.fixture
def twilio(settings):
    with fake_twilio.FakeTwilio() as server:
        settings.BASE_URL = "http://127.0.0.1:8000"
        settings.TWILIO_ACCOUNT_SID = fake_twilio.ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = fake_twilio.AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = fake_twilio.FROM_NUMBER
        settings.TWILIO_API_URL = server.url
        settings.PROVIDER_TIMEOUT = 0.5
        yield server


@pytest.fixture
def senders(twilio):
    return sweep.Senders(FallbackSender(FakeEmailSender()), TwilioSms.from_settings())


def text(client, body: str, number: str = PHONE):
    return fake_twilio.post_signed(client, INBOUND, fake_twilio.inbound_params(number, body))


def test_reminder_text_goes_through_twilio_with_a_signed_status_callback(client, senders, twilio):
    booking = book().booking
    with time_machine.travel(minutes_before(booking, 60), tick=False):
        sweep.sweep(senders=senders)

    # Both are due by now (a sweep sends what an outage held back).
    assert [m["to"] for m in twilio.messages] == [PHONE, PHONE]
    message = twilio.messages[-1]
    assert message["to"] == PHONE and booking.meeting_type.page.name in message["body"]
    row = Reminder.objects.get(provider_message_id=message["sid"])
    assert twilio.callbacks[message["sid"]] == STATUS

    for status in ("sent", "delivered", "sent", "queued"):  # late callbacks arrive too
        response = fake_twilio.post_signed(
            client, STATUS, fake_twilio.status_params(message["sid"], status)
        )
        assert response.status_code == 204
    row.refresh_from_db()
    assert row.delivery_status == "delivered"


def test_unsigned_or_wrongly_signed_requests_are_403(client, twilio) -> None:
    params = fake_twilio.inbound_params(PHONE, "X")
    assert client.post("/integrations/twilio/sms/", params).status_code == 403
    forged = fake_twilio.post_signed(client, INBOUND, params, token="not-the-token")
    assert forged.status_code == 403
    assert fake_twilio.post_signed(client, STATUS, params, token="nope").status_code == 403
    assert not SmsMessage.objects.exists()


def test_c_confirms_r_links_x_cancels_and_anything_else_helps(client, twilio) -> None:
    booking = book().booking

    confirm = text(client, " c ")
    assert confirm.status_code == 200 and confirm["Content-Type"].startswith("text/xml")
    assert b"<Message>Thanks, see you on" in confirm.content
    assert booking.events.filter(kind="note", data__sms="confirmed").exists()

    assert b"/schedule/s/" in text(client, "R").content
    assert b"Reply C to confirm, X to cancel or R" in text(client, "what?").content

    cancelled = text(client, "X")
    assert b"is cancelled" in cancelled.content
    booking = Booking.objects.get(pk=booking.pk)
    assert booking.status == BookingStatus.CANCELLED
    assert SyncJob.objects.filter(booking=booking, action="cancel", target="email").exists()
    assert not booking.reminders.filter(status="planned").exists()
    thread = list(booking.sms_messages.values_list("direction", "action"))
    assert thread[:2] == [("in", "confirm"), ("out", "")]
    assert ("in", "cancel") in thread


def test_a_webhook_twilio_retries_acts_once(client, twilio) -> None:
    book()
    params = fake_twilio.inbound_params(PHONE, "C")
    fake_twilio.post_signed(client, INBOUND, params)
    again = fake_twilio.post_signed(client, INBOUND, params)
    assert again.status_code == 200 and b"<Message>" not in again.content
    assert SmsMessage.objects.filter(direction="in").count() == 1


@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe", "QUIT", "OPTOUT", "REVOKE"])
def test_stop_words_stop_every_text_until_start(client, twilio, senders, word) -> None:
    booking = book().booking
    stopped = text(client, word)
    assert b"<Message>" not in stopped.content  # Twilio answers opt-outs itself
    assert SmsOptOut.objects.filter(number=PHONE).exists()

    # The booking texts of the outbox ...
    job = SyncJobFactory(booking=booking, target="sms", action="update", status="running")
    handle(job)
    # ... and the reminders.
    with time_machine.travel(minutes_before(booking, 60), tick=False):
        sweep.sweep(senders=senders)
    assert twilio.messages == []
    skipped = Reminder.objects.get(booking=booking, channel="sms", offset_minutes=60)
    assert (skipped.status, skipped.reason) == ("skipped", "the number opted out (STOP)")
    assert b"<Message>" not in text(client, "C").content  # no reply to a stopped number

    text(client, "START")
    assert not SmsOptOut.objects.filter(number=PHONE).exists()
    handle(SyncJob.objects.get(pk=job.pk))
    assert len(twilio.messages) == 1


def test_a_number_without_an_upcoming_meeting_gets_a_short_answer(client, twilio) -> None:
    response = text(client, "C", number="+14155550100")
    assert b"no upcoming meeting" in response.content


def test_quiet_hours_defer_a_night_text_to_eight_in_the_prospects_zone(twilio) -> None:
    # 10:00 Lima meeting, an offset of 12 h: due 22:00 the night before, goes at 08:00.
    booking = book(reminder_offsets=[720]).booking
    row = Reminder.objects.get(booking=booking, channel="sms")
    assert row.due_at == booking.start - dt.timedelta(hours=2)
    email = Reminder.objects.get(booking=booking, channel="email", kind="reminder")
    assert email.due_at == minutes_before(booking, 720)  # quiet hours are for texts only
