"""Outlook cannot be chosen for a calendar connection until something syncs it."""

import pytest
from django.urls import reverse

from sellers.models import CalendarConnection
from tests.factories import CalendarConnectionFactory, SellerFactory

pytestmark = pytest.mark.django_db

ADD = "admin:sellers_calendarconnection_add"


def connection_form(seller, provider: str) -> dict[str, object]:
    return {
        "seller": seller.pk,
        "provider": provider,
        "account_email": "ana@example.com",
        "status": "active",
        "busy_calendar_ids": '["primary"]',
        "write_calendar_id": "primary",
    }


def test_admin_offers_only_google_for_a_new_connection(admin_client) -> None:
    response = admin_client.get(reverse(ADD))

    choices = [value for value, _ in response.context["adminform"].form.fields["provider"].choices]
    assert choices == ["", "google"]  # the empty "---------" and Google only


def test_admin_refuses_outlook_with_a_clear_message(admin_client) -> None:
    seller = SellerFactory()

    refused = admin_client.post(reverse(ADD), connection_form(seller, "outlook"))
    accepted = admin_client.post(reverse(ADD), connection_form(seller, "google"))

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["provider"] == [
        "“outlook” cannot be chosen yet: only Google Calendar is synced today "
        "(Outlook / Microsoft 365 support is not built)."
    ]
    assert accepted.status_code == 302
    assert list(CalendarConnection.objects.values_list("provider", flat=True)) == ["google"]


def test_admin_seller_page_inline_refuses_outlook(admin_client) -> None:
    seller = SellerFactory()
    page = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk]))
    formsets = {fs.formset.prefix: fs.formset for fs in page.context["inline_admin_formsets"]}

    choices = [value for value, _ in formsets["calendars"].empty_form.fields["provider"].choices]

    assert choices == ["", "google"]  # the empty "---------" and Google only


def test_admin_existing_outlook_row_can_still_be_edited(admin_client) -> None:
    legacy = CalendarConnectionFactory(provider="outlook")

    response = admin_client.get(
        reverse("admin:sellers_calendarconnection_change", args=[legacy.pk])
    )

    choices = [value for value, _ in response.context["adminform"].form.fields["provider"].choices]
    assert choices == ["google", "outlook"]
