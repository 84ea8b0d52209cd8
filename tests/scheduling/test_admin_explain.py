"""The admin's "why is this slot unavailable?" page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    MeetingTypeFactory,
    PageFactory,
    SellerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    seller = SellerFactory(name="Lucía", timezone="America/Lima")
    AvailabilityRuleFactory(seller=seller, weekday=0, start=dt.time(9), end=dt.time(12))
    meeting = MeetingTypeFactory(page=PageFactory(seller=seller), buffer_after=15)
    BookingFactory(meeting_type=meeting, start=dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC))
    return seller, meeting


@time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), tick=False)
def test_explain_lists_every_candidate_with_its_reason(client, staff_user, setup):
    seller, meeting = setup
    client.force_login(staff_user)

    response = client.get(
        reverse("scheduling_explain"),
        {"seller": seller.pk, "meeting_type": meeting.pk, "date": "2026-12-07"},
    )

    assert response.status_code == 200
    rows = {row["wall"]: row["reason"] for row in response.context["rows"]}
    assert len(rows) == 48
    assert [rows[t] for t in ("08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30")] == [
        "outside_hours",
        "",
        "buffer",
        "busy",
        "busy",
        "",
        "",
    ]
    assert response.context["offered_count"] == 3
    assert response.context["not_in_pool"] is False
    assert b"Why is this slot unavailable?" in response.content


def test_explain_form_without_data_shows_the_form(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("scheduling_explain"))

    assert response.status_code == 200
    assert response.context["rows"] is None


def test_explain_is_for_staff_only(client):
    client.force_login(UserFactory(username="plain"))

    response = client.get(reverse("scheduling_explain"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_explain_link_from_the_seller_page_preselects_the_seller(client, staff_user):
    seller = SellerFactory()
    client.force_login(staff_user)

    page = client.get(reverse("admin:sellers_seller_change", args=[seller.pk]))
    assert f"{reverse('scheduling_explain')}?seller={seller.pk}".encode() in page.content

    response = client.get(reverse("scheduling_explain"), {"seller": seller.pk})
    assert response.status_code == 200
    assert response.context["rows"] is None
    assert response.context["form"].initial["seller"] == str(seller.pk)
