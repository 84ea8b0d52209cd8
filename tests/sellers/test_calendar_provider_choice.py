"""Outlook / Microsoft 365 can be chosen for a calendar connection, like Google."""

import pytest
from django.urls import reverse

from sellers.models import CalendarConnection
from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db

ADD = "admin:sellers_calendarconnection_add"


def connection_form(seller, provider: str) -> dict[str, object]:
    return {
        "seller": seller.pk,
        "provider": provider,
        "account_email": "ana@example.com",
        "status": "active",
        "busy_calendar_ids": '["ana@example.com"]',
        "write_calendar_id": "primary",
    }


def test_admin_offers_google_and_outlook(admin_client) -> None:
    response = admin_client.get(reverse(ADD))

    choices = [value for value, _ in response.context["adminform"].form.fields["provider"].choices]
    assert choices == ["", "google", "outlook"]


def test_admin_accepts_an_outlook_connection(admin_client) -> None:
    seller = SellerFactory()

    accepted = admin_client.post(reverse(ADD), connection_form(seller, "outlook"))

    assert accepted.status_code == 302
    assert list(CalendarConnection.objects.values_list("provider", flat=True)) == ["outlook"]


def test_seller_page_offers_both_connect_buttons(admin_client) -> None:
    seller = SellerFactory()

    page = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk]))

    assert reverse("google_calendar:connect", args=[seller.pk]) in page.content.decode()
    assert reverse("outlook_calendar:connect", args=[seller.pk]) in page.content.decode()


def test_seller_page_shows_what_a_video_provider_refuses(admin_client) -> None:
    seller = SellerFactory(provider_problem="teams: access policy missing for ana@example.com")

    page = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk]))

    assert "teams: access policy missing for ana@example.com" in page.content.decode()
