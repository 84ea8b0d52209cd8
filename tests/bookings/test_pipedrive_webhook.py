"""Pipedrive webhooks v2 for deals → the booking's deal outcome and the won-deals metric.

Bodies follow "Guide for Webhooks v2" (pipedrive.readme.io/docs/guide-for-webhooks-v2):
``meta`` (action, entity, entity_id, version "2.0"), ``data`` (the deal, null on delete),
``previous`` (the changed fields' old values)."""

import base64
import json

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingEvent
from sellers.models import SellerMetric
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

USER, PASSWORD = "pipedrive", "s3cret-webhook"


@pytest.fixture(autouse=True)
def credentials(settings):
    settings.PIPEDRIVE_WEBHOOK_USER = USER
    settings.PIPEDRIVE_WEBHOOK_PASSWORD = PASSWORD


def body(deal_id, *, action="change", status="won", previous_status="open", entity="deal"):
    deal = None if action == "delete" else {"id": deal_id, "title": "Acme", "status": status}
    return {
        "meta": {
            "action": action,
            "entity": entity,
            "entity_id": str(deal_id),
            "version": "2.0",
            "company_id": 12882925,
            "webhook_id": 99,
            "attempt": 1,
            "timestamp": 1727447128,
            "change_source": "app",
        },
        "data": deal,
        "previous": {"status": previous_status} if action == "change" else deal,
    }


def post(client, payload, *, user=USER, password=PASSWORD):
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    return client.post(
        reverse("pipedrive_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


@pytest.fixture
def booking():
    return BookingFactory(pipedrive_deal_id="4242")


def won_count(booking):
    return sum(m.deals_won for m in SellerMetric.objects.filter(seller=booking.seller))


def test_a_won_deal_is_recorded_on_its_booking_and_counted(client, booking):
    response = post(client, body(4242, status="won"))

    assert response.status_code == 200
    assert Booking.objects.get(pk=booking.pk).deal_outcome == "won"
    event = booking.events.get(kind=BookingEvent.Kind.DEAL_OUTCOME)
    assert (event.actor, event.data) == (
        "pipedrive",
        {"deal_id": "4242", "outcome": "won", "previous": ""},
    )
    assert won_count(booking) == 1


def test_a_replay_changes_nothing(client, booking):
    post(client, body(4242, status="won"))
    again = post(client, body(4242, status="won"))

    assert again.status_code == 200
    assert booking.events.filter(kind=BookingEvent.Kind.DEAL_OUTCOME).count() == 1
    assert won_count(booking) == 1


def test_a_lost_deal_is_recorded_and_not_counted(client, booking):
    post(client, body(4242, status="lost"))

    assert Booking.objects.get(pk=booking.pk).deal_outcome == "lost"
    assert won_count(booking) == 0


def test_a_won_deal_reopened_or_deleted_leaves_the_count(client, booking):
    post(client, body(4242, status="won"))
    post(client, body(4242, status="open", previous_status="won"))
    assert (Booking.objects.get(pk=booking.pk).deal_outcome, won_count(booking)) == ("", 0)

    post(client, body(4242, status="won"))
    post(client, body(4242, action="delete"))

    assert Booking.objects.get(pk=booking.pk).deal_outcome == "deleted"
    assert won_count(booking) == 0
    assert [e.data["outcome"] for e in booking.events.filter(kind="deal_outcome")] == [
        "won",
        "",
        "won",
        "deleted",
    ]


def test_an_unknown_deal_is_ignored(client, booking):
    response = post(client, body(7))

    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert not BookingEvent.objects.filter(kind=BookingEvent.Kind.DEAL_OUTCOME).exists()


def test_other_entities_are_ignored(client, booking):
    response = post(client, body(4242, entity="person"))

    assert response.json() == {"status": "ignored"}
    assert Booking.objects.get(pk=booking.pk).deal_outcome == ""


@pytest.mark.parametrize(
    ("user", "password"), [(USER, "wrong"), ("other", PASSWORD), ("", ""), (USER, PASSWORD[:-1])]
)
def test_wrong_credentials_are_401(client, booking, user, password):
    response = post(client, body(4242), user=user, password=password)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert Booking.objects.get(pk=booking.pk).deal_outcome == ""


def test_no_credentials_header_is_401(client, booking):
    response = client.post(
        reverse("pipedrive_webhook"), data=json.dumps(body(4242)), content_type="application/json"
    )

    assert response.status_code == 401


def test_not_configured_is_404(client, booking, settings):
    settings.PIPEDRIVE_WEBHOOK_USER = settings.PIPEDRIVE_WEBHOOK_PASSWORD = ""

    assert post(client, body(4242), user="", password="").status_code == 404


def test_a_v1_body_is_refused(client, booking):
    v1 = {"v": 1, "meta": {"v": 1, "action": "updated", "object": "deal"}, "current": {}}

    assert post(client, v1).status_code == 400


def test_the_outcome_shows_on_the_booking_admin_page(client, admin_client, booking):
    post(client, body(4242, status="won"))

    page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert page.status_code == 200
    assert "Deal outcome" in page.content.decode()
    assert page.context["adminform"].form.instance.deal_outcome == "won"
