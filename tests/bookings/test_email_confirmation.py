"""BOOKING_EMAIL_CONFIRMATION: a prospect's booking counts only once they follow the emailed
link (issue 15, abuse limits). Until then it holds its time; unconfirmed, it is released."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from bookings.metrics import rebuild
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.outbox import worker
from bookings.outbox.models import SyncJob
from bookings.reminders.models import Reminder
from bookings.services import NotActive, confirm_booking, create_booking, release_unconfirmed
from bookings.tasks import release_unconfirmed_bookings
from sellers.models import SellerMetric
from tests.bookings.conftest import body, personal_page, slot
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_IN_LINK = re.compile(r"/schedule/manage/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def confirmation_on(settings, breakers):
    settings.BOOKING_EMAIL_CONFIRMATION = True
    settings.BOOKING_CONFIRMATION_MINUTES = 30
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public": None},
    }


def url(meeting_type) -> str:
    return f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"


def book(client, meeting_type, start, n=0):
    return client.post(url(meeting_type), body(start, n), format="json")


def emailed_token() -> str:
    """Send the pending confirmation jobs; the token of the link the prospect got."""
    for job in SyncJob.objects.filter(status="pending", action="confirm"):
        assert worker.run_job(job_id=str(job.pk)) == worker.DONE
    (message,) = mail.outbox
    return TOKEN_IN_LINK.search(message.body).group(1)


def confirm(client, token):
    return client.post(f"/api/v1/public/bookings/{token}/confirm/", {}, format="json")


def test_a_prospects_booking_waits_for_the_emailed_link(api_client):
    meeting_type, _seller = personal_page()

    answer = book(api_client, meeting_type, slot())

    assert answer.status_code == 202, answer.json()
    data = answer.json()
    assert data["status"] == "pending"
    assert "manage_token" not in data and "manage_url" not in data  # only by email
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.PENDING
    assert booking.confirm_by - booking.created_at == pytest.approx(
        dt.timedelta(minutes=30), abs=dt.timedelta(seconds=5)
    )
    # Nothing reaches the seller, the calendar, the CRM, reminders or the metrics yet.
    assert list(SyncJob.objects.values_list("target", "action")) == [("email", "confirm")]
    assert not Reminder.objects.exists()
    assert not SellerMetric.objects.filter(bookings__gt=0).exists()

    token = emailed_token()
    (message,) = mail.outbox
    assert message.to == [booking.email]
    assert message.subject.startswith("Please confirm:")
    assert not message.attachments  # no invite for a meeting that does not count yet
    opened = api_client.get(f"/api/v1/public/bookings/{token}/")
    assert opened.json()["status"] == "pending"


def test_the_pending_booking_holds_its_time(api_client):
    meeting_type, _seller = personal_page()
    start = slot()
    book(api_client, meeting_type, start, n=1)

    taken = book(api_client, meeting_type, start, n=2)

    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "slot_unavailable"


def test_confirming_makes_it_count_once(api_client):
    meeting_type, seller = personal_page()
    book(api_client, meeting_type, slot())
    token = emailed_token()

    first = confirm(api_client, token)
    again = confirm(api_client, token)

    assert first.status_code == 200 and again.status_code == 200
    assert first.json()["status"] == again.json()["status"] == "confirmed"
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.confirm_by is None
    kinds = booking.events.exclude(kind=BookingEvent.Kind.SYNCED).order_by("id")
    assert list(kinds.values_list("kind", flat=True)) == ["created", "confirmed"]
    created_jobs = SyncJob.objects.filter(action="create").values_list("target", flat=True)
    assert "email" in created_jobs
    assert SellerMetric.objects.get(seller=seller).bookings == 1
    assert Reminder.objects.filter(booking=booking).exists()


def test_an_unconfirmed_booking_is_released_when_its_time_runs_out(api_client):
    meeting_type, _seller = personal_page()
    start = slot()
    book(api_client, meeting_type, start, n=1)
    token = emailed_token()

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        late = confirm(api_client, token)
        assert late.status_code == 409
        assert late.json()["error"]["code"] == "not_active"
        release_unconfirmed_bookings()  # the minute sweep
        assert not Booking.objects.exists()
        again = book(api_client, meeting_type, start, n=2)

    assert again.status_code == 202  # the time is free again


def test_release_leaves_what_is_still_in_time_or_confirmed():
    waiting = BookingFactory(
        status=BookingStatus.PENDING, confirm_by=timezone.now() + dt.timedelta(minutes=5)
    )
    booked = BookingFactory()

    assert release_unconfirmed() == 0
    assert set(Booking.objects.values_list("pk", flat=True)) == {waiting.pk, booked.pk}


def test_pending_bookings_count_against_the_email_limit(api_client, settings):
    settings.MAX_BOOKINGS_PER_EMAIL = 1
    meeting_type, _seller = personal_page()
    book(api_client, meeting_type, slot(hour=10))

    second = book(api_client, meeting_type, slot(hour=11))

    assert second.status_code == 429
    assert Booking.objects.count() == 1


def test_staff_bookings_need_no_confirmation():
    meeting_type, _seller = personal_page()
    staff = UserFactory(is_staff=True)

    result = create_booking(
        meeting_type=meeting_type, actor=staff, **(body(slot()) | {"start": slot()})
    )

    assert result.booking.status == BookingStatus.CONFIRMED


def test_the_manage_page_asks_to_confirm_then_says_it_expired(client, api_client):
    meeting_type, _seller = personal_page()
    book(api_client, meeting_type, slot())
    token = emailed_token()

    page = client.get(f"/schedule/manage/{token}/").content.decode()
    assert "data-confirm-booking" in page and "Confirm your booking" in page
    assert "Download .ics" not in page

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        page = client.get(f"/schedule/manage/{token}/").content.decode()
    assert "not confirmed in time" in page and "data-confirm-booking" not in page


def test_the_sweep_is_on_the_beat_schedule():
    task = PeriodicTask.objects.get(task="bookings.release_unconfirmed")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "minutes"


def test_off_by_default_the_booking_counts_at_once(api_client, settings):
    settings.BOOKING_EMAIL_CONFIRMATION = False
    meeting_type, _seller = personal_page()

    answer = book(api_client, meeting_type, slot())

    assert answer.status_code == 201 and answer.json()["status"] == "confirmed"


def test_analytics_rebuild_skips_requests_and_holds():
    BookingFactory(status=BookingStatus.PENDING, confirm_by=timezone.now())
    BookingFactory(status=BookingStatus.HELD)
    today = timezone.now().date()

    rebuild(start=today - dt.timedelta(days=30), end=today + dt.timedelta(days=60))

    assert not SellerMetric.objects.filter(bookings__gt=0).exists()


def test_a_confirmation_racing_the_sweep_is_told_it_lapsed():
    """The manage link found the booking, then the sweep deleted it while the confirmation
    waited for the row lock: 409 not_active, not a 500."""
    found = BookingFactory(status=BookingStatus.PENDING, confirm_by=timezone.now())
    Booking.objects.filter(pk=found.pk).delete()

    with pytest.raises(NotActive, match="not confirmed in time"):
        confirm_booking(booking=found, manage_token="t0ken")
