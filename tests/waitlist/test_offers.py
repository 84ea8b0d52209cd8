"""Offers: priority order, a lapsed hold or a decline hands the time to the next entry,
reschedules free time too, party size counts, the database refuses an overlap with a hold,
and tokens expire."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import override_settings

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from tests.factories import BookingFactory
from tests.waitlist.conftest import OTHER_PHONE, PHONE, book, slot, texts_to, token_in
from waitlist.models import WaitlistEntry
from waitlist.services import join as join_service
from waitlist.services import offers

pytestmark = pytest.mark.django_db
Status = WaitlistEntry.Status


def joined(meeting_type, start, phone, **extra):
    """What joining the waitlist returns (the entry and its token)."""
    return join_service.join_waitlist(
        meeting_type=meeting_type,
        start=start,
        timezone_name="America/Lima",
        first_name="Ana",
        phone=phone,
        **extra,
    )


def enlist(meeting_type, start, phone, **extra) -> WaitlistEntry:
    return joined(meeting_type, start, phone, **extra).entry


@pytest.fixture
def queue(api_client, page, django_capture_on_commit_callbacks):
    """A taken 10:00 with two people waiting for it (first PHONE, then OTHER_PHONE)."""
    meeting_type, _ = page
    start = slot(hour=10)
    with django_capture_on_commit_callbacks(execute=True):
        taken = book(api_client, meeting_type, start)
        first = enlist(meeting_type, start, PHONE)
        second = enlist(meeting_type, start, OTHER_PHONE)
    return taken, first, second


def fresh(entry: WaitlistEntry) -> WaitlistEntry:
    return WaitlistEntry.objects.select_related("hold").get(pk=entry.pk)


def test_cancellation_offers_the_first_in_line_only(queue, django_capture_on_commit_callbacks):
    taken, first, second = queue
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    assert (fresh(first).status, fresh(second).status) == (Status.NOTIFIED, Status.PENDING)
    assert fresh(first).response_deadline == fresh(first).notified_at + dt.timedelta(minutes=15)


def test_priority_goes_before_join_time(queue, django_capture_on_commit_callbacks):
    taken, first, second = queue
    WaitlistEntry.objects.filter(pk=second.pk).update(priority=-1)
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    assert (fresh(first).status, fresh(second).status) == (Status.PENDING, Status.NOTIFIED)


def test_party_larger_than_the_freed_booking_is_skipped(queue, django_capture_on_commit_callbacks):
    taken, first, second = queue
    Booking.objects.filter(pk=taken.pk).update(answers={"party_size": 2})
    WaitlistEntry.objects.filter(pk=first.pk).update(party_size=4)
    taken.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    assert (fresh(first).status, fresh(second).status) == (Status.PENDING, Status.NOTIFIED)


def test_lapsed_hold_cascades_to_the_next_entry(queue, twilio, django_capture_on_commit_callbacks):
    taken, first, second = queue
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    hold = fresh(first).hold
    lapsed = fresh(first).response_deadline + dt.timedelta(seconds=1)
    with time_machine.travel(lapsed), django_capture_on_commit_callbacks(execute=True):
        assert offers.sweep_lapsed_offers() == 1
        assert offers.sweep_lapsed_offers() == 0  # run twice: one effect
    assert fresh(first).status == Status.EXPIRED
    assert fresh(second).status == Status.NOTIFIED
    assert fresh(second).hold.start == hold.start
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1
    assert texts_to(twilio, OTHER_PHONE)[-1].startswith("Good news!")


def test_decline_hands_the_time_to_the_next_entry(
    api_client, queue, twilio, django_capture_on_commit_callbacks
):
    taken, _, second = queue
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    token = token_in(texts_to(twilio, PHONE)[-1])
    with django_capture_on_commit_callbacks(execute=True):
        declined = api_client.post(f"/api/v1/public/waitlist/{token}/decline/")
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["offer"] is None
    assert fresh(second).status == Status.NOTIFIED
    # the offer link acted once
    assert api_client.post(f"/api/v1/public/waitlist/{token}/decline/").status_code == 410


def test_reschedule_away_frees_the_old_time(queue, django_capture_on_commit_callbacks):
    taken, first, _ = queue
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.reschedule_booking(
            booking=taken, start=slot(hour=15), timezone="America/Lima"
        )
    assert fresh(first).status == Status.NOTIFIED
    assert fresh(first).hold.start == slot(hour=10)


def test_an_alternative_time_is_offered_when_it_frees(
    api_client, page, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    wanted, evening = slot(hour=10), slot(hour=18)
    with django_capture_on_commit_callbacks(execute=True):
        book(api_client, meeting_type, wanted)
        other = book(api_client, meeting_type, evening, n=1)
        entry = enlist(meeting_type, wanted, PHONE)
        booking_services.cancel_booking(booking=other)
    assert fresh(entry).status == Status.NOTIFIED
    assert fresh(entry).hold.start == evening


def test_the_database_refuses_a_booking_over_a_hold(queue, django_capture_on_commit_callbacks):
    taken, first, _ = queue
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    hold = fresh(first).hold
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(meeting_type=taken.meeting_type, seller=hold.seller, start=hold.start)


def test_late_accept_books_a_still_free_time(
    api_client, queue, twilio, django_capture_on_commit_callbacks
):
    taken, first, second = queue
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    token = token_in(texts_to(twilio, PHONE)[-1])
    offers.cancel_entry(entry=second)  # nobody left to hand it to
    deadline = fresh(first).response_deadline
    with time_machine.travel(deadline + dt.timedelta(seconds=1)):
        offers.sweep_lapsed_offers()
        assert not Booking.objects.filter(status=BookingStatus.HELD).exists()
        with django_capture_on_commit_callbacks(execute=True):
            late = api_client.post(
                f"/api/v1/public/waitlist/{token}/accept/", {"email": "a@example.com"}
            )
    assert late.status_code == 201, late.json()
    assert fresh(first).status == Status.CONFIRMED


def test_accept_without_an_offer_is_not_active(
    api_client, page, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    start = slot(hour=10)
    book(api_client, meeting_type, start)
    token = joined(meeting_type, start, PHONE).token
    answer = api_client.post(f"/api/v1/public/waitlist/{token}/accept/", {})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_active"


@override_settings(WAITLIST_HOLD_MINUTES=5)
def test_expired_and_cancelled_tokens_are_gone(
    api_client, page, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    start = slot(hour=10)
    book(api_client, meeting_type, start)
    token = joined(meeting_type, start, PHONE, alternatives=[]).token
    assert api_client.get(f"/api/v1/public/waitlist/{token}/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=1)):
        expired = api_client.get(f"/api/v1/public/waitlist/{token}/")
    assert expired.status_code == 410
    assert expired.json()["error"]["code"] == "token_expired"
    assert api_client.post(f"/api/v1/public/waitlist/{token}/cancel/").json()["status"] == (
        "cancelled"
    )
    assert api_client.get(f"/api/v1/public/waitlist/{token}/").status_code == 410
    assert api_client.get("/api/v1/public/waitlist/wl_nope/").status_code == 404
    page_answer = api_client.get(f"/waitlist/{token}/")
    assert page_answer.status_code == 410


def test_entries_waiting_for_other_times_do_not_crowd_out_the_one_that_fits(
    api_client, page, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(offers, "MAX_TRIES", 1)
    meeting_type, _ = page
    for n, hour in enumerate((8, 9, 11)):  # earlier entries, other times of the same day
        book(api_client, meeting_type, slot(hour=hour), n=n + 1)
        enlist(meeting_type, slot(hour=hour), f"+5191234567{n}", alternatives=[])
    taken = book(api_client, meeting_type, slot(hour=10))
    entry = enlist(meeting_type, slot(hour=10), PHONE, alternatives=[])
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    assert fresh(entry).status == Status.NOTIFIED
    assert WaitlistEntry.objects.filter(status=Status.NOTIFIED).count() == 1


def test_a_lapsed_unconfirmed_booking_offers_its_time(
    api_client, page, twilio, settings, django_capture_on_commit_callbacks
):
    """BOOKING_EMAIL_CONFIRMATION: the time a pending booking held goes to the waitlist
    when nobody confirms it."""
    settings.BOOKING_EMAIL_CONFIRMATION = True
    meeting_type, _ = page
    start = slot(hour=10)
    url = f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"
    body = {"start": start.isoformat(), "timezone": "America/Lima", "name": "Bo", "email": "b@x.io"}
    assert api_client.post(url, body, format="json").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        waiting = enlist(meeting_type, start, PHONE)

    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert booking_services.release_unconfirmed() == 1

    assert fresh(waiting).status == Status.NOTIFIED
    assert len(texts_to(twilio, PHONE)) >= 1
    assert Booking.objects.get().status == BookingStatus.HELD  # held for the waitlist now
