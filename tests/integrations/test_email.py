import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from bookings import ics
from bookings.outbox import email as email_sync
from bookings.outbox import messages, tasks, worker
from bookings.outbox.models import SyncJob
from integrations.base import ProviderTransientError
from integrations.email.fake import FakeEmailSender
from integrations.email.fallback import FallbackSender
from tests.factories import BookingFactory, CalendarConnectionFactory, SellerFactory, SyncJobFactory
from tests.integrations.fake_postmark import FakePostmark
from tests.integrations.outbox_fixtures import drop_database_connection

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
MANAGE_URL = "http://127.0.0.1:8000/schedule/manage/tok3n/"


@pytest.fixture
def booking():
    seller = SellerFactory(name="Sam Seller", email="sam@example.com", timezone="Europe/Madrid")
    return BookingFactory(
        seller=seller,
        meeting_type__page__seller=seller,
        meeting_type__name="Discovery call",
        start=START,
        end=START + dt.timedelta(minutes=30),
        name="Ana Prospect",
        email="ana@example.org",
        timezone="America/Lima",
        meeting_url="https://meet.google.com/abc-defg-hij",
        answers={"Team size": "12", "Tools": ["CRM", "Sheets"]},
    )


def email_job(booking, action="create", **kwargs):
    return SyncJobFactory(
        booking=booking, target="email", action=action, payload={"manage_url": MANAGE_URL}, **kwargs
    )


def invite_of(message) -> tuple[str, Calendar]:
    [(name, content, mimetype)] = message.attachments
    assert name == "invite.ics"
    return mimetype, Calendar.from_ical(content)


def only_event(cal: Calendar):
    [event] = cal.walk("VEVENT")
    return event


def test_confirmation_goes_to_prospect_and_seller_each_in_their_zone(booking, breakers):
    job = email_job(booking)

    assert worker.run_job(job_id=str(job.pk)) == worker.DONE

    prospect, seller = mail.outbox
    assert prospect.to == ["ana@example.org"]
    assert prospect.subject == (
        "Confirmed: Discovery call with Sam Seller on Tuesday, 1 December 2026, 10:00–10:30"
    )
    assert "America/Lima (UTC-05:00)" in prospect.body
    assert "https://meet.google.com/abc-defg-hij" in prospect.body
    assert MANAGE_URL in prospect.body
    assert prospect.reply_to == ["sam@example.com"]
    [(html, html_type)] = prospect.alternatives
    assert html_type == "text/html"
    assert f'<a href="{MANAGE_URL}">Reschedule or cancel</a>' in html
    assert seller.to == ["sam@example.com"]
    assert seller.subject == (
        "New booking: Discovery call with Ana Prospect on Tuesday, 1 December 2026, 16:00–16:30"
    )
    assert "Europe/Madrid (UTC+01:00)" in seller.body
    assert "- Tools: CRM, Sheets" in seller.body
    assert MANAGE_URL not in seller.body  # the manage link is the prospect's key
    job.refresh_from_db()
    assert job.payload["sent_to"] == ["prospect", "seller"]
    booking.refresh_from_db()
    assert (booking.email_synced, booking.email_needs_manual_sync) == (True, False)


def test_invite_is_a_valid_itip_request(booking, settings):
    settings.BASE_URL = "https://book.example.com"
    booking.sequence = 3
    booking.save()

    email = messages.build(booking, action="create", role="prospect", manage_url=MANAGE_URL)

    [attachment] = email.attachments
    assert (attachment.filename, attachment.mimetype) == (
        "invite.ics",
        "text/calendar; method=REQUEST; charset=utf-8",
    )
    cal = Calendar.from_ical(attachment.content)
    event = only_event(cal)
    assert str(cal["method"]) == "REQUEST"
    assert str(event["uid"]) == f"{booking.pk}@book.example.com"
    assert event["sequence"] == 3
    assert event.decoded("dtstart") == START
    assert event.decoded("dtend") == START + dt.timedelta(minutes=30)
    assert event.decoded("dtstamp").tzinfo is not None
    assert str(event["organizer"]) == "mailto:sam@example.com"
    attendee = event["attendee"]
    assert str(attendee) == "mailto:ana@example.org"
    assert (attendee.params["RSVP"], attendee.params["PARTSTAT"]) == ("TRUE", "NEEDS-ACTION")
    assert str(event["status"]) == "CONFIRMED"
    assert MANAGE_URL in str(event["description"])


def test_invite_starts_and_ends_in_utc_on_the_wire(booking):
    content = ics.build_invite(booking).decode()

    assert "DTSTART:20261201T150000Z" in content
    assert "DTEND:20261201T153000Z" in content


def test_reschedule_sends_a_request_with_the_new_sequence(booking, breakers):
    booking.start = START + dt.timedelta(days=1)
    booking.end = booking.start + dt.timedelta(minutes=30)
    booking.blocked_start, booking.blocked_end = booking.start, booking.end
    booking.sequence = 1
    booking.save()
    job = email_job(booking, action="update")

    worker.run_job(job_id=str(job.pk))

    prospect, _seller = mail.outbox
    assert prospect.subject.startswith("Rescheduled: Discovery call with Sam Seller, now Wednesday")
    mimetype, cal = invite_of(prospect)
    event = only_event(cal)
    assert (mimetype, str(cal["method"]), event["sequence"]) == (
        "text/calendar; method=REQUEST; charset=utf-8",
        "REQUEST",
        1,
    )
    assert str(event["uid"]) == ics.uid_for(booking)
    assert event.decoded("dtstart") == START + dt.timedelta(days=1)


def test_cancellation_sends_a_cancel_invite(booking, breakers):
    booking.status = "cancelled"
    booking.sequence = 2
    booking.cancellation_reason = "Found another slot"
    booking.save()
    job = email_job(booking, action="cancel")

    worker.run_job(job_id=str(job.pk))

    prospect, _seller = mail.outbox
    assert prospect.subject.startswith("Cancelled: Discovery call with Sam Seller on Tuesday")
    assert "Reason: Found another slot" in prospect.body
    assert MANAGE_URL not in prospect.body
    mimetype, cal = invite_of(prospect)
    event = only_event(cal)
    assert mimetype == "text/calendar; method=CANCEL; charset=utf-8"
    assert (str(cal["method"]), str(event["status"]), event["sequence"]) == (
        "CANCEL",
        "CANCELLED",
        2,
    )


def test_seller_gets_manual_instructions_and_the_invite_when_calendar_sync_failed(booking):
    CalendarConnectionFactory(seller=booking.seller)
    booking.calendar_needs_manual_sync = True
    booking.save()

    email = messages.build(booking, action="create", role="seller")

    assert "We could not put this meeting on your calendar." in email.text
    assert "open the attached invite.ics" in email.text
    assert "invite ana@example.org" in email.text
    assert "We could not put this meeting on your calendar." in email.html
    assert [a.filename for a in email.attachments] == ["invite.ics"]


def test_seller_with_a_working_calendar_gets_no_duplicate_invite(booking):
    CalendarConnectionFactory(seller=booking.seller)

    pending = messages.build(booking, action="create", role="seller")
    booking.calendar_synced = True
    synced = messages.build(booking, action="create", role="seller")

    assert (pending.attachments, synced.attachments) == ((), ())
    assert "Your calendar is being updated." in pending.text
    assert "Your calendar is up to date." in synced.text


def test_seller_without_a_calendar_gets_the_invite(booking):
    email = messages.build(booking, action="create", role="seller")

    assert "No calendar is connected for you" in email.text
    assert [a.filename for a in email.attachments] == ["invite.ics"]


def test_video_link_not_known_yet_is_announced(booking):
    booking.meeting_url = ""

    email = messages.build(booking, action="create", role="prospect")

    assert "Where: Google Meet (link to follow)" in email.text


def test_email_job_run_twice_sends_once(booking, breakers):
    job = email_job(booking)

    worker.run_job(job_id=str(job.pk))
    worker.run_job(job_id=str(job.pk))
    tasks.sweep_due_jobs()

    assert [m.to for m in mail.outbox] == [["ana@example.org"], ["sam@example.com"]]


def test_handler_after_partial_failure_sends_only_the_missing_email(booking):
    job = email_job(booking)
    sender = FakeEmailSender()
    sent_then_fail = FakeEmailSender()
    sent_then_fail.send = lambda email: (
        sender.send(email) if email.to == "ana@example.org" else _raise_transient()
    )

    with pytest.raises(ProviderTransientError):
        email_sync.handle(job, sender=FallbackSender(sent_then_fail))
    job.refresh_from_db()
    email_sync.handle(job, sender=FallbackSender(sender))
    email_sync.handle(job, sender=FallbackSender(sender))

    assert [e.to for e in sender.sent] == ["ana@example.org", "sam@example.com"]
    job.refresh_from_db()
    assert job.payload["sent_to"] == ["prospect", "seller"]
    assert job.payload["manage_url"] == MANAGE_URL


def _raise_transient():
    raise ProviderTransientError("email", "503")


def test_confirmation_for_a_booking_cancelled_meanwhile_is_not_sent(booking, breakers):
    booking.status = "cancelled"
    booking.save()
    job = email_job(booking)

    assert worker.run_job(job_id=str(job.pk)) == worker.DONE
    assert mail.outbox == []


# --- through anymail's real Postmark backend, against a fake Postmark ----------------------
@pytest.fixture
def postmark(settings):
    with FakePostmark() as fake:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {
            "POSTMARK_SERVER_TOKEN": FakePostmark.token,
            "POSTMARK_API_URL": fake.url + "/",
            "REQUESTS_TIMEOUT": 5,
        }
        yield fake


def test_postmark_receives_both_emails_with_a_parseable_invite(booking, postmark, breakers):
    job = email_job(booking)

    assert worker.run_job(job_id=str(job.pk)) == worker.DONE

    prospect, seller = postmark.sent
    assert (prospect.to, seller.to) == ("ana@example.org", "sam@example.com")
    assert prospect.subject.startswith("Confirmed: Discovery call with Sam Seller")
    assert MANAGE_URL in prospect.text
    assert MANAGE_URL in prospect.html
    content_type, content = prospect.attachments["invite.ics"]
    assert content_type.startswith("text/calendar; method=REQUEST")
    cal = Calendar.from_ical(content)
    event = only_event(cal)
    assert (str(cal["method"]), str(event["uid"]), event["sequence"]) == (
        "REQUEST",
        ics.uid_for(booking),
        0,
    )
    assert event.decoded("dtstart") == START
    job.refresh_from_db()
    assert job.payload["message_ids"] == {
        "prospect": prospect.message_id,
        "seller": seller.message_id,
    }


def test_postmark_500_is_retried_and_later_succeeds(booking, postmark, breakers):
    job = email_job(booking)
    postmark.fail_next(1, status=500)

    assert worker.run_job(job_id=str(job.pk)) == worker.RETRY
    job.refresh_from_db()
    assert (job.status, job.attempts) == (SyncJob.Status.PENDING, 1)
    assert job.last_error.startswith("email: HTTP 500")
    assert postmark.sent == []

    SyncJob.objects.filter(pk=job.pk).update(not_before=timezone.now())
    assert tasks.sweep_due_jobs() == 1

    job.refresh_from_db()
    assert job.status == SyncJob.Status.DONE
    assert [e.to for e in postmark.sent] == ["ana@example.org", "sam@example.com"]


def test_postmark_429_honours_retry_after_and_resends_only_what_is_missing(
    booking, postmark, breakers
):
    job = email_job(booking)
    postmark.rate_limit_once("sam@example.com", retry_after=90)
    before = timezone.now()

    assert worker.run_job(job_id=str(job.pk)) == worker.RETRY

    job.refresh_from_db()
    assert job.not_before >= before + dt.timedelta(seconds=90)
    assert job.last_error.startswith("email: rate limited (429)")
    assert job.payload["sent_to"] == ["prospect"]
    assert tasks.sweep_due_jobs() == 0  # not due before Retry-After

    SyncJob.objects.filter(pk=job.pk).update(not_before=timezone.now())
    assert tasks.sweep_due_jobs() == 1

    job.refresh_from_db()
    assert (job.status, job.payload["sent_to"]) == (SyncJob.Status.DONE, ["prospect", "seller"])
    assert [e.to for e in postmark.sent] == ["ana@example.org", "sam@example.com"]


def test_postmark_rejecting_the_recipient_fails_at_once(booking, postmark, breakers):
    postmark.reject_recipients.add("ana@example.org")
    job = email_job(booking)

    assert worker.run_job(job_id=str(job.pk)) == worker.FAILED

    booking.refresh_from_db()
    assert booking.email_needs_manual_sync is True
    job.refresh_from_db()
    assert job.last_error.startswith("email: recipient refused")


# --- the SMTP fallback ------------------------------------------------------------------
@pytest.fixture
def smtp(settings):
    from tests.integrations.fake_smtp import FakeSmtp

    with FakeSmtp() as server:
        settings.EMAIL_FALLBACK_URL = server.url
        settings.PROVIDER_TIMEOUT = 1
        yield server


@pytest.fixture
def esp_breaker(settings):
    from integrations.circuit import CircuitBreaker
    from integrations.email.fallback import BREAKER

    settings.CIRCUIT_FAILURE_THRESHOLD = 1
    settings.CIRCUIT_COOLDOWN_SECONDS = 300
    breaker = CircuitBreaker(BREAKER)
    breaker.reset()
    yield breaker
    breaker.reset()


def smtp_recipients(smtp):
    return [m.recipients[0] for m in smtp.messages]


def test_esp_refusing_a_message_sends_it_by_smtp_and_records_which(
    booking, postmark, smtp, esp_breaker
):
    postmark.reject_recipients.add("ana@example.org")
    job = email_job(booking)

    email_sync.handle(job)

    assert [e.to for e in postmark.sent] == ["sam@example.com"]
    assert smtp_recipients(smtp) == ["ana@example.org"]
    job.refresh_from_db()
    assert job.payload["delivered_by"] == {"prospect": "smtp", "seller": "esp"}
    assert b"invite.ics" in smtp.messages[0].data


def test_open_esp_circuit_sends_by_smtp(booking, postmark, smtp, esp_breaker):
    esp_breaker.record_failure()  # threshold 1: open
    job = email_job(booking)

    email_sync.handle(job)

    assert postmark.sent == [] and postmark.requests == []
    assert smtp_recipients(smtp) == ["ana@example.org", "sam@example.com"]
    job.refresh_from_db()
    assert job.payload["delivered_by"] == {"prospect": "smtp", "seller": "smtp"}


def test_esp_timeout_pins_the_message_to_the_esp_never_smtp(
    booking, postmark, smtp, esp_breaker, settings
):
    """The ESP may have taken a message it timed out on: its retry must not go by SMTP even
    though the ESP's circuit is now open."""
    settings.ANYMAIL = {**settings.ANYMAIL, "REQUESTS_TIMEOUT": 0.5}
    postmark.hang_next(seconds=2)
    job = email_job(booking)

    with pytest.raises(ProviderTransientError):
        email_sync.handle(job)
    job.refresh_from_db()
    assert job.payload["pinned"] == {"prospect": "esp"}
    assert not esp_breaker.allow()  # the ESP's circuit is open now
    email_sync.handle(job)  # pinned: the ESP again (its success closes the circuit)

    assert smtp.messages == []
    assert [e.to for e in postmark.sent] == ["ana@example.org", "sam@example.com"]
    job.refresh_from_db()
    assert job.payload["delivered_by"] == {"prospect": "esp", "seller": "esp"}


def test_smtp_connection_lost_after_data_pins_to_smtp(booking, postmark, smtp, esp_breaker):
    esp_breaker.record_failure()
    smtp.drop_after_data_next = 1
    job = email_job(booking)

    with pytest.raises(ProviderTransientError):
        email_sync.handle(job)
    esp_breaker.reset()  # the ESP is healthy again, yet the prospect's message stays on SMTP
    job.refresh_from_db()
    email_sync.handle(job)

    assert postmark.sent and all(e.to != "ana@example.org" for e in postmark.sent)
    job.refresh_from_db()
    assert job.payload["delivered_by"]["prospect"] == "smtp"


def test_smtp_451_is_transient_and_550_permanent(booking, postmark, smtp, esp_breaker):
    from integrations.base import ProviderPermanentError

    esp_breaker.record_failure()
    smtp.fail_data_next = 1
    with pytest.raises(ProviderTransientError):
        email_sync.handle(email_job(booking))

    smtp.refuse.add("ana@example.org")
    with pytest.raises(ProviderPermanentError, match="SMTP refused"):
        email_sync.handle(email_job(booking, action="update"))


def test_without_a_fallback_an_esp_refusal_is_permanent(booking, postmark, esp_breaker, settings):
    from integrations.base import ProviderPermanentError

    settings.EMAIL_FALLBACK_URL = None
    postmark.reject_recipients.add("ana@example.org")

    with pytest.raises(ProviderPermanentError, match="recipient refused"):
        email_sync.handle(email_job(booking))


@pytest.mark.django_db(transaction=True)
def test_a_database_restart_right_after_sending_does_not_send_the_email_again(booking):
    job = email_job(booking)
    sender = FakeEmailSender()
    accepted_then_restart = FakeEmailSender()
    accepted_then_restart.send = lambda email: (
        sender.send(email),
        email.to == "ana@example.org" and drop_database_connection(),
    )[0]

    email_sync.handle(job, sender=FallbackSender(accepted_then_restart))
    job.refresh_from_db()
    email_sync.handle(job, sender=FallbackSender(sender))

    assert [e.to for e in sender.sent] == ["ana@example.org", "sam@example.com"]
    assert job.payload["sent_to"] == ["prospect", "seller"]
