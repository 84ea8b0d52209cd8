"""Abuse limits on booking: per address and per page per period (every attempt counts,
429 rate_limited past them, nothing stored), and the booking form's honeypot."""

import pytest

from bookings.models import Booking
from tests.bookings.conftest import body, slot, team_page

pytestmark = pytest.mark.django_db


def limits(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public": None, **rates},
    }


def api_url(meeting_type) -> str:
    return f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"


def book(api_client, meeting_type, n: int, address: str, url: str | None = None):
    return api_client.post(
        url or api_url(meeting_type),
        body(slot(days=2, hour=9 + n), n),
        format="json",
        REMOTE_ADDR=address,
    )


def test_one_address_is_limited_per_hour_and_the_refused_booking_is_not_stored(
    api_client, settings
):
    meeting_type, _ = team_page()
    limits(settings, booking_ip="2/hour")

    answers = [book(api_client, meeting_type, n, "10.1.0.1").status_code for n in range(3)]
    refused = book(api_client, meeting_type, 3, "10.1.0.1")

    assert answers == [201, 201, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert Booking.objects.count() == 2
    assert book(api_client, meeting_type, 4, "10.1.0.2").status_code == 201


def test_one_page_is_limited_per_hour_whatever_the_address(api_client, settings):
    meeting_type, _ = team_page()
    other, _ = team_page()
    limits(settings, booking_page="2/hour")

    answers = [book(api_client, meeting_type, n, f"10.2.0.{n}").status_code for n in range(3)]

    assert answers == [201, 201, 429]
    assert book(api_client, other, 0, "10.2.1.1").status_code == 201


def test_the_booking_form_honeypot_refuses_a_filled_field_and_stores_nothing(api_client):
    meeting_type, _ = team_page()
    url = f"/schedule/{meeting_type.page.slug}/{meeting_type.slug}/book/"

    trapped = api_client.post(
        url, {**body(slot(days=2, hour=10)), "website": "http://spam.example"}, format="json"
    )
    person = api_client.post(url, {**body(slot(days=2, hour=11), 1), "website": ""}, format="json")

    assert trapped.status_code == 400
    assert trapped.json()["error"]["code"] == "invalid"
    assert person.status_code == 201
    assert list(Booking.objects.values_list("email", "source")) == [
        ("prospect1@example.com", "web")
    ]
