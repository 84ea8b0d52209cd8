"""The page a waitlist link opens: the times in the person's zone, the registration form,
and the offer to accept."""

import pytest

from bookings import services as booking_services
from bookings.models import Booking
from tests.waitlist.conftest import PHONE, book, slot, texts_to, token_in
from waitlist.models import WaitlistEntry
from waitlist.services.join import join_waitlist

pytestmark = pytest.mark.django_db


def test_page_registers_then_accepts_the_offer(
    client, api_client, page, twilio, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    start = slot(hour=10)
    taken = book(api_client, meeting_type, start)
    token = join_waitlist(
        meeting_type=meeting_type,
        start=start,
        timezone_name="America/Lima",
        first_name="Ana",
        phone=PHONE,
    ).token
    shown = client.get(f"/waitlist/{token}/")
    assert shown.status_code == 200
    html = shown.content.decode()
    assert html.count('name="selected_slots"') == 10
    saved = client.post(
        f"/waitlist/{token}/",
        {
            "action": "confirm",
            "first_name": "Ana",
            "phone": PHONE,
            "email": "ana@example.com",
            "selected_slots": [start.isoformat()],
        },
    )
    assert saved.status_code == 302
    assert WaitlistEntry.objects.get().selected_slots == [start.isoformat()]
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.cancel_booking(booking=taken)
    offer = token_in(texts_to(twilio, PHONE)[-1])
    assert 'value="accept"' in client.get(f"/waitlist/{offer}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"/waitlist/{offer}/", {"action": "accept"})
    assert accepted.status_code == 302
    assert accepted["Location"].startswith("/schedule/manage/")
    booking = Booking.objects.get(status="confirmed", start=start)
    assert (booking.source, booking.email) == ("waitlist", "ana@example.com")


def test_page_shows_a_refusal_without_changing_anything(client, api_client, page):
    meeting_type, _ = page
    start = slot(hour=10)
    book(api_client, meeting_type, start)
    token = join_waitlist(
        meeting_type=meeting_type,
        start=start,
        timezone_name="America/Lima",
        first_name="Ana",
        phone=PHONE,
    ).token
    answer = client.post(f"/waitlist/{token}/", {"action": "accept"})
    assert answer.status_code == 400
    assert "no open offer" in answer.content.decode()
    assert WaitlistEntry.objects.get().status == "pending"
