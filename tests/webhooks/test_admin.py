"""The back office: add a subscription (the secret shown once), the delivery log on its
page, "Send test event" and "Redeliver" buttons."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bookings.outbox import worker
from tests.webhooks.conftest import run
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def test_add_generates_the_secret_and_shows_it_once(admin_client, allow_private, receiver):
    response = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "url": f"{receiver.url}/in",
            "description": "n8n",
            "events": ["booking.created", "waitlist.offered"],
            "is_active": "on",
            "new_secret": "",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
        follow=True,
    )

    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["booking.created", "waitlist.offered"]
    page = response.content.decode()
    assert page.count(subscription.secret) == 1  # the message, once
    again = admin_client.get(
        reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk])
    )
    assert subscription.secret not in again.content.decode()


def test_add_refuses_a_private_url(admin_client):
    response = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "url": "http://127.0.0.1:8000/in",
            "events": ["booking.created"],
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "private" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_send_test_event_then_redeliver_from_the_log(admin_client, subscribe, receiver):
    subscription = subscribe(events=["booking.created"])
    change = reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk])
    send = reverse("admin:webhooks_webhooksubscription_send_test", args=[subscription.pk])
    assert send in admin_client.get(change).content.decode()  # the button

    assert admin_client.get(send).status_code == 405  # a GET changes nothing
    response = admin_client.post(send)
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get()
    assert run(delivery) == worker.DONE
    page = admin_client.get(change).content.decode()
    assert "webhook.test" in page and "delivered" in page  # the log on the page

    detail = reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
    redeliver = reverse("admin:webhooks_webhookdelivery_redeliver", args=[delivery.pk])
    assert redeliver in admin_client.get(detail).content.decode()
    assert admin_client.post(redeliver).status_code == 302
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert again.event_id == delivery.event_id
    assert run(again) == worker.DONE
    assert [r.headers["x-webhook-id"] for r in receiver.requests] == [str(delivery.event_id)] * 2

    log = admin_client.get(
        reverse("admin:webhooks_webhookdelivery_changelist")
        + f"?subscription__id__exact={subscription.pk}"
    )
    assert log.status_code == 200 and log.content.decode().count(str(delivery.event_id)) >= 2


def test_turning_a_disabled_subscription_back_on_clears_its_failures(admin_client, subscribe):
    from django.utils import timezone

    subscription = subscribe(events=["booking.created"], is_active=False)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now(), disabled_at=timezone.now(), disabled_reason="down"
    )

    admin_client.post(
        reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]),
        {
            "url": subscription.url,
            "events": ["booking.created"],
            "is_active": "on",
            "new_secret": "",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )

    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.failing_since, subscription.disabled_reason) == (
        True,
        None,
        "",
    )
    assert subscription.secret.startswith("receiver-shared-secret")  # kept when left empty


def test_bulk_redeliver_from_the_log(admin_client, subscribe):
    subscription = subscribe(events=["booking.created"])
    from webhooks import services

    first, second = services.send_test_event(subscription), services.send_test_event(subscription)

    admin_client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [first.pk, second.pk]},
    )

    events = sorted(WebhookDelivery.objects.values_list("event_id", flat=True), key=str)
    assert events == sorted(
        [first.event_id, first.event_id, second.event_id, second.event_id], key=str
    )
