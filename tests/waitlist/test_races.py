"""Accepts racing on the real PostgreSQL: real threads, one connection each, released at
once. One booking; the other answer is a 409 (or, for a link already used, 410)."""

import datetime as dt
import threading
from collections import Counter

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus
from tests.bookings.conftest import personal_page, slot
from tests.factories import BookingFactory
from waitlist.models import WaitlistEntry, WaitlistToken
from waitlist.services import join, offers, tokens

# One xdist worker runs every race (with --dist loadgroup): two races at once would need
# more connections than PostgreSQL's 100.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("races")]


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public": None},
    }
    settings.TWILIO_ACCOUNT_SID = ""  # texts to the in-memory sender


def race(urls: list[str]) -> Counter:
    barrier = threading.Barrier(len(urls))
    statuses: list[int | str] = []
    lock = threading.Lock()

    def run(url: str) -> None:
        try:
            client = APIClient()
            barrier.wait()
            response = client.post(url, {"email": "racer@example.com"}, format="json")
            with lock:
                statuses.append(response.status_code)
        except Exception as exc:
            with lock:
                statuses.append(f"{type(exc).__name__}: {str(exc)[:80]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def offer_token(entry: WaitlistEntry) -> str:
    """A fresh offer link for the entry (the texted one is not kept in clear)."""
    return tokens.mint(entry, WaitlistToken.Kind.OFFER, entry.requested_slot)


def queue_of_two():
    meeting_type, seller = personal_page()
    start = slot(hour=10)
    taken = BookingFactory(meeting_type=meeting_type, seller=seller, start=start)
    entries = [
        join.join_waitlist(
            meeting_type=meeting_type,
            start=start,
            timezone_name="America/Lima",
            first_name=name,
            phone=phone,
            alternatives=[],
        ).entry
        for name, phone in (("Ana", "+51912345678"), ("Bea", "+51987654321"))
    ]
    booking_services.cancel_booking(booking=taken)
    return start, entries


def test_a_lapsed_entry_and_the_next_one_accepting_at_once_give_one_booking():
    start, (first, second) = queue_of_two()
    deadline = WaitlistEntry.objects.get(pk=first.pk).response_deadline
    with time_machine.travel(deadline + dt.timedelta(seconds=1)):
        offers.sweep_lapsed_offers()
        assert WaitlistEntry.objects.get(pk=second.pk).status == "notified"
        urls = [f"/api/v1/public/waitlist/{offer_token(e)}/accept/" for e in (first, second)]
        outcome = race(urls)
    assert outcome == Counter({201: 1, 409: 1})
    assert Booking.objects.filter(start=start, status=BookingStatus.CONFIRMED).count() == 1
    assert WaitlistEntry.objects.get(pk=second.pk).status == "confirmed"


def test_one_offer_accepted_twice_at_once_books_once():
    start, (first, _) = queue_of_two()
    token = offer_token(first)
    outcome = race([f"/api/v1/public/waitlist/{token}/accept/"] * 2)
    assert outcome[201] == 1
    assert outcome[409] + outcome[410] == 1
    assert Booking.objects.filter(start=start, status=BookingStatus.CONFIRMED).count() == 1
