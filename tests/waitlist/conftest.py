"""Waitlist fixtures: a Lima page whose seller works 08–20 every day, the fake Twilio
(texts go through the real client), helpers to book, join and read the texts."""

import datetime as dt

import pytest

from bookings.models import Booking
from tests.bookings.conftest import body, personal_page, slot
from tests.integrations import fake_twilio

PHONE = "+51912345678"
OTHER_PHONE = "+51987654321"


@pytest.fixture
def twilio(settings):
    with fake_twilio.FakeTwilio() as server:
        settings.TWILIO_ACCOUNT_SID = fake_twilio.ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = fake_twilio.AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = fake_twilio.FROM_NUMBER
        settings.TWILIO_API_URL = server.url
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        yield server


@pytest.fixture
def page(twilio):
    """(meeting type, seller) of a personal page."""
    return personal_page()


def texts_to(server, phone: str) -> list[str]:
    return [m["body"] for m in server.messages if m["to"] == phone]


def book(api_client, meeting_type, start: dt.datetime, n: int = 0, **extra) -> Booking:
    url = f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"
    response = api_client.post(url, body(start, n, **extra), format="json")
    assert response.status_code == 201, response.json()
    return Booking.objects.get(pk=response.json()["id"])


def join(api_client, meeting_type, start: dt.datetime, phone: str = PHONE, **extra):
    url = f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/waitlist/"
    data = {
        "start": start.isoformat(),
        "timezone": "America/Lima",
        "first_name": "Jean",
        "last_name": "Dupont",
        "phone": phone,
        **extra,
    }
    return api_client.post(url, data, format="json")


def token_in(text: str) -> str:
    return text.split("/waitlist/")[1].split("/")[0]


__all__ = ["book", "join", "slot", "texts_to", "token_in"]
