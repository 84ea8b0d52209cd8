"""The manage link: read, reschedule slots, cancel, reschedule; token rules."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingEvent
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import secret
from sellers.models import SellerMetric
from tests.bookings.conftest import body, personal_page, slot, team_page
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public": None},
    }


def book(client, meeting_type, start, n=0, **extra):
    response = client.post(
        f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/",
        body(start, n, **extra),
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def code(response) -> str:
    return response.json()["error"]["code"]


def test_manage_get_returns_booking_without_token(api_client, settings):
    meeting_type, _ = team_page()
    created = book(api_client, meeting_type, slot())
    response = api_client.get(f"/api/v1/public/bookings/{created['manage_token']}/")
    assert response.status_code == 200
    data = response.json()
    assert "manage_token" not in data
    expected = {k: v for k, v in created.items() if k != "manage_token"}
    assert data == expected


def test_manage_wrong_token_is_404(api_client):
    meeting_type, _ = team_page()
    book(api_client, meeting_type, slot())
    for token in ("x" * 43, "short", "a" * 200):
        response = api_client.get(f"/api/v1/public/bookings/{token}/")
        assert response.status_code == 404
        assert code(response) == "not_found"


def test_manage_expired_token_is_410(api_client):
    meeting_type, _ = team_page()
    created = book(api_client, meeting_type, slot())
    Booking.objects.update(manage_token_expires_at=timezone.now() - dt.timedelta(seconds=1))
    token = created["manage_token"]
    for path in ("", "cancel/", "reschedule/"):
        method = api_client.get if not path else api_client.post
        response = method(f"/api/v1/public/bookings/{token}/{path}", {}, format="json")
        assert response.status_code == 410
        assert code(response) == "token_expired"


def test_cancel_then_cancel_again_is_a_no_op(api_client):
    meeting_type, _ = team_page()
    token = book(api_client, meeting_type, slot())["manage_token"]
    url = f"/api/v1/public/bookings/{token}/cancel/"
    first = api_client.post(url, {"reason": "Conflict"}, format="json")
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    booking = Booking.objects.get()
    assert booking.cancellation_reason == "Conflict"
    assert booking.sequence == 1
    again = api_client.post(url, {"reason": "Other"}, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    booking.refresh_from_db()
    assert (booking.cancellation_reason, booking.sequence) == ("Conflict", 1)
    assert list(booking.events.values_list("kind", flat=True)) == ["created", "cancelled"]
    assert SellerMetric.objects.get().cancelled == 1
    assert sorted(SyncJob.objects.values_list("action", flat=True).distinct()) == [
        "cancel",
        "create",
    ]


def test_cancel_frees_the_slot(api_client):
    meeting_type, _ = personal_page()
    token = book(api_client, meeting_type, slot())["manage_token"]
    api_client.post(f"/api/v1/public/bookings/{token}/cancel/", {}, format="json")
    book(api_client, meeting_type, slot(), n=2)


def test_cancel_past_booking_is_not_active(api_client):
    meeting_type, _seller = personal_page()
    created = book(api_client, meeting_type, slot())
    start = timezone.now() - dt.timedelta(hours=1)
    Booking.objects.update(
        start=start,
        end=start + dt.timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=30),
    )
    response = api_client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/cancel/", {}, format="json"
    )
    assert response.status_code == 409
    assert code(response) == "not_active"


def test_reschedule_keeps_id_token_and_seller_when_free(api_client):
    meeting_type, _ = team_page()
    created = book(api_client, meeting_type, slot(hour=10))
    before = Booking.objects.get()
    new_start = slot(hour=14)
    response = api_client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule/",
        {"start": new_start.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["id"] == created["id"]
    assert data["start"] == new_start.isoformat()
    assert data["manage_url"] == created["manage_url"]
    after = Booking.objects.get()
    assert after.seller_id == before.seller_id
    assert after.sequence == 1
    assert after.routing_decision_id == before.routing_decision_id
    assert after.manage_token_hash == before.manage_token_hash
    assert list(after.events.values_list("kind", flat=True)) == ["created", "rescheduled"]
    assert "update" in set(SyncJob.objects.values_list("action", flat=True))
    assert (
        api_client.get(f"/api/v1/public/bookings/{created['manage_token']}/").json()["start"]
        == new_start.isoformat()
    )


def test_reschedule_routes_again_when_the_seller_is_busy(api_client):
    meeting_type, _sellers = team_page()
    created = book(api_client, meeting_type, slot(hour=10))
    booking = Booking.objects.get()
    BookingFactory(meeting_type=meeting_type, seller=booking.seller, start=slot(hour=15))
    response = api_client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule/",
        {"start": slot(hour=15).isoformat(), "timezone": "Europe/Madrid"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    moved = Booking.objects.get(pk=booking.pk)
    assert moved.seller_id != booking.seller_id
    assert moved.timezone == "Europe/Madrid"
    assert moved.routing_decision.chosen_id == moved.seller_id
    assert moved.routing_decision_id != booking.routing_decision_id


def test_reschedule_to_a_taken_time_is_409(api_client):
    meeting_type, seller = personal_page()
    created = book(api_client, meeting_type, slot(hour=10))
    BookingFactory(meeting_type=meeting_type, seller=seller, start=slot(hour=15))
    response = api_client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule/",
        {"start": slot(hour=15).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert code(response) == "slot_unavailable"


def test_reschedule_into_own_overlapping_time_is_allowed(api_client):
    meeting_type, _ = personal_page(slot_interval=15)
    created = book(api_client, meeting_type, slot(hour=10))
    response = api_client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule/",
        {"start": slot(hour=10, minute=15).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_reschedule_cancelled_booking_is_not_active(api_client):
    meeting_type, _ = team_page()
    token = book(api_client, meeting_type, slot())["manage_token"]
    api_client.post(f"/api/v1/public/bookings/{token}/cancel/", {}, format="json")
    response = api_client.post(
        f"/api/v1/public/bookings/{token}/reschedule/",
        {"start": slot(hour=15).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert code(response) == "not_active"


def test_reschedule_invalid_start_is_400(api_client):
    meeting_type, _ = team_page()
    token = book(api_client, meeting_type, slot())["manage_token"]
    for start in ("2026-12-01T10:00:00", slot(hour=10, minute=7).isoformat(), "x"):
        response = api_client.post(
            f"/api/v1/public/bookings/{token}/reschedule/", {"start": start}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["start"]


def test_reschedule_slots_do_not_block_on_own_booking(api_client):
    meeting_type, _ = personal_page()
    start = slot(hour=10)
    token = book(api_client, meeting_type, start)["manage_token"]
    day = start.date().isoformat()
    query = {"start": day, "end": day, "timezone": "America/Lima"}
    own = api_client.get(f"/api/v1/public/bookings/{token}/slots/", query).json()
    public = api_client.get(
        f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/slots/", query
    ).json()
    assert start.isoformat() in own["days"][0]["slots"]
    assert start.isoformat() not in public["days"][0]["slots"]
    assert set(own) == {"timezone", "duration", "days"}


def test_reschedule_slots_bad_query_is_400(api_client):
    meeting_type, _ = personal_page()
    token = book(api_client, meeting_type, slot())["manage_token"]
    response = api_client.get(f"/api/v1/public/bookings/{token}/slots/", {"start": "x"})
    assert response.status_code == 400


def test_events_and_metrics_follow_every_change(api_client, staff_client):
    meeting_type, _ = personal_page()
    created = book(api_client, meeting_type, slot(hour=10), country="PE")
    booking = Booking.objects.get()
    api_client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule/",
        {"start": slot(days=3, hour=10).isoformat()},
        format="json",
    )
    metrics = {m.date: m for m in SellerMetric.objects.all()}
    old_day, new_day = slot(hour=10).date(), slot(days=3, hour=10).date()
    assert (metrics[old_day].bookings, metrics[old_day].rescheduled) == (0, 1)
    assert metrics[new_day].bookings == 1
    assert metrics[new_day].country == "PE"
    assert BookingEvent.objects.filter(booking=booking).count() == 2


def test_reschedule_gives_the_email_job_the_manage_link(api_client):
    meeting_type, _ = team_page()
    created = book(api_client, meeting_type, slot(hour=10))
    api_client.post(
        f"/api/v1/public/bookings/{created['manage_token']}/reschedule/",
        {"start": slot(hour=14).isoformat()},
        format="json",
    )
    job = SyncJob.objects.get(target="email", action="update")
    assert list(job.payload) == ["manage_url"]
    assert secret(job.payload, "manage_url") == created["manage_url"]
