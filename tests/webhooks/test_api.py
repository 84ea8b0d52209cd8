"""``/api/v1/webhooks/``: staff by model permission, the secret write-only and shown once,
URLs checked, the delivery log, test events and redelivery."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from bookings.outbox import worker
from tests.factories import UserFactory
from tests.webhooks.conftest import SECRET, run
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_generates_a_secret_shown_once(staff_client, allow_private, receiver):
    response = staff_client.post(
        URL, {"url": f"{receiver.url}/in", "events": ["booking.created"]}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {
        "id", "url", "events", "is_active", "secret", "description", "failing_since",
        "disabled_at", "disabled_reason", "created_at",
    }  # fmt: skip
    stored = WebhookSubscription.objects.get()
    assert len(body["secret"]) >= 40 and body["secret"] == stored.secret
    assert (body["events"], body["is_active"]) == (["booking.created"], True)
    # Never again: not in the detail, the list or the update answer.
    detail = staff_client.get(f"{URL}{stored.pk}/").json()
    listed = staff_client.get(URL).json()["results"][0]
    updated = staff_client.patch(f"{URL}{stored.pk}/", {"is_active": False}, format="json")
    assert "secret" not in detail and "secret" not in listed
    assert updated.status_code == 200 and "secret" not in updated.json()


def test_a_given_secret_is_kept_and_a_short_one_refused(staff_client, allow_private, receiver):
    ok = staff_client.post(
        URL,
        {"url": f"{receiver.url}/in", "events": ["waitlist.joined"], "secret": SECRET},
        format="json",
    )
    short = staff_client.post(
        URL,
        {"url": f"{receiver.url}/in", "events": ["waitlist.joined"], "secret": "short"},
        format="json",
    )

    assert (ok.status_code, ok.json()["secret"]) == (201, SECRET)
    assert WebhookSubscription.objects.get().secret == SECRET
    assert short.status_code == 400 and "secret" in short.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://localhost/in", "events": ["booking.created"]}, "url"),
        ({"url": "http://169.254.169.254/latest", "events": ["booking.created"]}, "url"),
        ({"url": "ftp://93.184.216.34/in", "events": ["booking.created"]}, "url"),
        ({"url": "https://93.184.216.34/in", "events": ["booking.exploded"]}, "events.0"),
        ({"url": "https://93.184.216.34/in", "events": []}, "events"),
    ],
)
def test_bad_urls_and_events_are_400(staff_client, payload, field):
    response = staff_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert not WebhookSubscription.objects.exists()


def test_a_changed_url_is_checked_again(staff_client):
    subscription = staff_client.post(
        URL, {"url": "https://93.184.216.34/in", "events": ["booking.created"]}, format="json"
    ).json()

    response = staff_client.patch(
        f"{URL}{subscription['id']}/", {"url": "http://127.0.0.1:9/in"}, format="json"
    )

    assert response.status_code == 400 and "url" in response.json()["error"]["fields"]
    assert WebhookSubscription.objects.get().url == "https://93.184.216.34/in"


def test_only_staff_with_the_model_permission(api_client):
    seller_user = UserFactory()
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhooksubscription"))
    body = {"url": "https://93.184.216.34/in", "events": ["booking.created"]}

    assert api_client.get(URL).status_code == 401
    assert client_for(seller_user).get(URL).status_code == 403
    assert client_for(seller_user).post(URL, body, format="json").status_code == 403
    assert client_for(viewer).get(URL).status_code == 200
    assert client_for(viewer).post(URL, body, format="json").status_code == 403
    assert not WebhookSubscription.objects.exists()


def test_delivery_log_test_event_and_redeliver(staff_client, subscribe, receiver):
    subscription = subscribe(events=["booking.created"])
    base = f"{URL}{subscription.pk}/"

    answer = staff_client.post(f"{base}test/")
    assert answer.status_code == 202
    delivery = WebhookDelivery.objects.get(pk=answer.json()["id"])
    assert run(delivery) == worker.DONE

    log = staff_client.get(f"{base}deliveries/").json()
    assert [(d["event_type"], d["status"], d["response_status"]) for d in log] == [
        ("webhook.test", "delivered", 204)
    ]
    again = staff_client.post(f"{base}deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 202
    assert again.json()["event_id"] == str(delivery.event_id) == log[0]["event_id"]
    assert again.json()["status"] == "pending"
    other = staff_client.post(f"{base}deliveries/00000000-0000-0000-0000-000000000000/redeliver/")
    assert other.status_code == 404
