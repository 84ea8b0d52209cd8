"""Authenticated bookings API: visibility, filters, n+1 guard, actions, metrics."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking
from bookings.services import create_booking
from tests.bookings.conftest import personal_page, slot, team_page
from tests.factories import BookingFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def make(meeting_type, hour, n, **extra):
    return create_booking(
        meeting_type=meeting_type,
        start=slot(hour=hour),
        timezone="America/Lima",
        name=f"P{n}",
        email=f"p{n}@example.com",
        **extra,
    ).booking


def seller_client(seller):
    user = UserFactory()
    seller.user = user
    seller.save()
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_requires_authentication(api_client):
    response = api_client.get("/api/v1/bookings/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_list_shows_contract_fields(staff_client):
    meeting_type, _ = team_page()
    booking = make(meeting_type, 10, 1, country="PE", phone="+51912345678")
    response = staff_client.get("/api/v1/bookings/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    (row,) = data["results"]
    for field in (
        "id", "status", "start", "end", "timezone", "meeting_type", "host", "location",
        "seller", "email", "phone", "company", "country", "answers", "routing",
        "calendar_synced", "crm_synced", "created_at",
    ):  # fmt: skip
        assert field in row
    assert row["seller"] == str(booking.seller_id)
    assert row["routing"]["strategy"] == "round_robin"
    assert row["routing"]["reason"] == booking.routing_decision.reason
    assert len(row["routing"]["candidates"]) == 3
    assert row["crm_synced"] is None
    assert "manage_token" not in row


def test_list_crm_synced_reflects_configured_crms(staff_client, settings):
    settings.PIPEDRIVE_API_TOKEN = "x"
    settings.HUBSPOT_ACCESS_TOKEN = ""
    BookingFactory(pipedrive_synced=True)
    assert staff_client.get("/api/v1/bookings/").json()["results"][0]["crm_synced"] is True
    settings.HUBSPOT_ACCESS_TOKEN = "y"
    assert staff_client.get("/api/v1/bookings/").json()["results"][0]["crm_synced"] is False


def test_list_seller_sees_only_own_and_other_users_nothing():
    mine, other = BookingFactory(), BookingFactory()
    client = seller_client(mine.seller)
    ids = [r["id"] for r in client.get("/api/v1/bookings/").json()["results"]]
    assert ids == [str(mine.pk)]
    assert client.get(f"/api/v1/bookings/{other.pk}/").status_code == 404
    nobody = APIClient()
    nobody.force_authenticate(UserFactory())
    assert nobody.get("/api/v1/bookings/").json()["count"] == 0


def test_list_filters(staff_client):
    a, b = SellerFactory(), SellerFactory()
    now = timezone.now()
    first = BookingFactory(seller=a, email="x@example.com", start=now + dt.timedelta(days=1))
    second = BookingFactory(seller=b, status="cancelled", start=now + dt.timedelta(days=2))
    third = BookingFactory(seller=b, start=now + dt.timedelta(days=3))

    def ids(**query):
        response = staff_client.get("/api/v1/bookings/", query)
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids(seller=str(a.pk)) == {str(first.pk)}
    assert ids(status="cancelled") == {str(second.pk)}
    assert ids(email="X@example.com") == {str(first.pk)}
    after = (now + dt.timedelta(days=2, hours=1)).isoformat()
    assert ids(start_after=after) == {str(third.pk)}
    assert ids(start_before=after) == {str(first.pk), str(second.pk)}


@pytest.mark.parametrize(
    "query",
    [{"seller": "nope"}, {"status": "lost"}, {"start_after": "2026-01-01T10:00:00"}],
)
def test_list_bad_filter_is_400(staff_client, query):
    response = staff_client.get("/api/v1/bookings/", query)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(query)


def test_list_query_count_does_not_grow_with_rows(staff_client):
    meeting_type, _ = team_page()

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get("/api/v1/bookings/").status_code == 200
        return len(ctx.captured_queries)

    make(meeting_type, 10, 1)
    one = count_queries()
    make(meeting_type, 11, 2)
    make(meeting_type, 12, 3)
    assert count_queries() == one


def test_actions_cancel_complete_no_show(staff_client):
    past = timezone.now() - dt.timedelta(hours=2)
    done, gone = BookingFactory(start=past), BookingFactory(start=past)
    future = BookingFactory()
    response = staff_client.post(f"/api/v1/bookings/{done.pk}/complete/")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert staff_client.post(f"/api/v1/bookings/{done.pk}/complete/").status_code == 200
    response = staff_client.post(f"/api/v1/bookings/{gone.pk}/no_show/")
    assert response.json()["status"] == "no_show"
    response = staff_client.post(f"/api/v1/bookings/{done.pk}/no_show/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_active"
    response = staff_client.post(f"/api/v1/bookings/{future.pk}/complete/")
    assert response.status_code == 409
    response = staff_client.post(f"/api/v1/bookings/{future.pk}/cancel/", {"reason": "ops"})
    assert response.json()["status"] == "cancelled"
    events = Booking.objects.get(pk=future.pk).events.get()
    assert (events.kind, events.actor) == ("cancelled", "staff:staff")


def test_seller_can_act_on_own_booking_only():
    mine, other = BookingFactory(), BookingFactory()
    client = seller_client(mine.seller)
    assert client.post(f"/api/v1/bookings/{mine.pk}/cancel/").status_code == 200
    assert client.post(f"/api/v1/bookings/{other.pk}/cancel/").status_code == 404


def test_seller_metrics_by_seller_and_country(staff_client):
    meeting_type, seller = personal_page()
    make(meeting_type, 9, 1, country="PE")
    make(meeting_type, 10, 2, country="CL")
    cancelled = make(meeting_type, 11, 3, country="PE")
    staff_client.post(f"/api/v1/bookings/{cancelled.pk}/cancel/")
    day = slot().date().isoformat()
    response = staff_client.get("/api/v1/metrics/sellers/", {"start": day, "end": day})
    assert response.status_code == 200
    assert response.json() == [
        {
            "seller": str(seller.pk),
            "name": seller.name,
            "bookings": 3,
            "cancelled": 1,
            "rescheduled": 0,
            "completed": 0,
            "no_show": 0,
            "by_country": {
                "CL": {"bookings": 1, "cancelled": 0, "rescheduled": 0, "completed": 0,
                       "no_show": 0},
                "PE": {"bookings": 2, "cancelled": 1, "rescheduled": 0, "completed": 0,
                       "no_show": 0},
            },
        }
    ]  # fmt: skip
    bad = staff_client.get("/api/v1/metrics/sellers/", {"start": day})
    assert bad.status_code == 400
