"""End to end with the fakes: join → register → a cancellation → the offer text → accept →
a booking with its calendar event; the hold keeps everyone else out meanwhile."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from tests.factories import CalendarConnectionFactory
from tests.integrations.fake_google import FakeGoogle
from tests.waitlist.conftest import PHONE, book, join, slot, texts_to, token_in
from waitlist.models import WaitlistEntry, WaitlistSlot

pytestmark = pytest.mark.django_db


@pytest.fixture
def google(settings, monkeypatch, breakers):
    with FakeGoogle() as server:
        settings.GOOGLE_CLIENT_ID = server.client_id
        settings.GOOGLE_CLIENT_SECRET = server.client_secret
        settings.GOOGLE_API_ENDPOINT = server.api_endpoint
        settings.GOOGLE_TOKEN_URI = server.token_uri
        settings.GOOGLE_TIMEOUT = 1.0
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        yield server


def live_events(google) -> list[dict]:
    return [e for cid in list(google.events) for e in google.live_events(cid)]


def test_join_register_cancel_offer_accept_books_with_calendar_event(
    api_client, page, twilio, google, django_capture_on_commit_callbacks
):
    meeting_type, seller = page
    access, refresh = google.grant()
    CalendarConnectionFactory(
        seller=seller,
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    start = slot(hour=10)
    with django_capture_on_commit_callbacks(execute=True):
        taken = book(api_client, meeting_type, start)
    assert len(live_events(google)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        joined = join(api_client, meeting_type, start)
    assert joined.status_code == 201, joined.json()
    answer = joined.json()
    assert answer["status"] == "pending"
    assert answer["position"] == 1
    assert answer["token"].startswith("wl_")
    day = start.date().isoformat()
    evening = ("18:00", "18:30", "19:00", "19:30", "20:00", "20:30", "21:00", "21:30", "22:00")
    assert answer["alternatives"] == [f"{day}T{h}:00-05:00" for h in evening]
    [registration] = texts_to(twilio, PHONE)
    token = token_in(registration)
    assert token == answer["token"]

    confirmed = api_client.post(
        f"/api/v1/public/waitlist/{token}/confirm/",
        {"first_name": "Jean", "phone": PHONE, "selected_slots": [start.isoformat()]},
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["selected_slots"] == [start.isoformat()]

    manage = f"/api/v1/public/bookings/{_manage_token(api_client, taken)}/cancel/"
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(manage, {}, format="json").status_code == 200
    entry = WaitlistEntry.objects.get(pk=answer["id"])
    assert entry.status == WaitlistEntry.Status.NOTIFIED
    assert entry.hold.status == BookingStatus.HELD
    assert entry.hold.start == start
    _, offer_text = texts_to(twilio, PHONE)
    assert offer_text.startswith("Good news!")
    offer_token = token_in(offer_text)

    read = api_client.get(f"/api/v1/public/waitlist/{offer_token}/").json()
    assert read["status"] == "notified"
    assert read["offer"]["start"] == start.isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        accepted = api_client.post(
            f"/api/v1/public/waitlist/{offer_token}/accept/",
            {"email": "jean@example.com"},
            format="json",
        )
    assert accepted.status_code == 201, accepted.json()
    booking = Booking.objects.get(pk=accepted.json()["id"])
    assert (booking.status, booking.source, booking.start) == ("confirmed", "waitlist", start)
    assert accepted.json()["manage_token"]
    assert not Booking.objects.filter(status=BookingStatus.HELD).exists()
    entry.refresh_from_db()
    assert (entry.status, entry.booking_id, entry.hold_id) == ("confirmed", booking.pk, None)
    assert WaitlistSlot.objects.get(pk=entry.slot_id).status == WaitlistSlot.Status.FILLED
    booking.refresh_from_db()
    assert booking.calendar_synced
    assert [e["id"] for e in live_events(google)] == [booking.calendar_event_id]
    assert api_client.get(f"/api/v1/public/waitlist/{offer_token}/").status_code == 410
    assert api_client.get(f"/api/v1/public/waitlist/{token}/").status_code == 410


def _manage_token(api_client, booking):
    """A fresh manage token for ``booking`` (the API answer's is not kept by ``book``)."""
    from bookings import tokens

    token = tokens.new_token()
    Booking.objects.filter(pk=booking.pk).update(manage_token_hash=tokens.hash_token(token))
    return token


def test_hold_hides_the_slot_and_refuses_a_public_booking(
    api_client, page, twilio, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    start = slot(hour=11)
    with django_capture_on_commit_callbacks(execute=True):
        taken = book(api_client, meeting_type, start)
        assert join(api_client, meeting_type, start).status_code == 201
        api_client.post(
            f"/api/v1/public/bookings/{_manage_token(api_client, taken)}/cancel/", {}, format="json"
        )
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.NOTIFIED
    base = f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/"
    day = start.date().isoformat()
    days = api_client.get(
        f"{base}slots/", {"start": day, "end": day, "timezone": "America/Lima"}
    ).json()["days"]
    offered = days[0]["slots"]
    assert start.isoformat() not in offered
    assert (start + dt.timedelta(minutes=30)).isoformat() in offered
    response = api_client.post(
        f"{base}bookings/",
        {"start": start.isoformat(), "timezone": "America/Lima", "name": "X", "email": "x@ex.com"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_unavailable"


def test_joining_a_free_time_is_a_conflict_and_a_bad_phone_invalid(api_client, page):
    meeting_type, _ = page
    free = join(api_client, meeting_type, slot(hour=12))
    assert free.status_code == 409
    assert free.json()["error"]["code"] == "conflict"
    assert "start" in free.json()["error"]["fields"]
    bad = join(api_client, meeting_type, slot(hour=12), phone="12")
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["phone"]


def test_joining_again_returns_the_same_entry_with_a_fresh_token(
    api_client, page, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    start = slot(hour=13)
    book(api_client, meeting_type, start)
    first = join(api_client, meeting_type, start, phone="+51 912 345 678")
    again = join(api_client, meeting_type, start)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["token"] != again.json()["token"]
    assert WaitlistEntry.objects.get().phone == PHONE
