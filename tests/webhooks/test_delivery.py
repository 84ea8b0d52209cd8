"""Webhook events end to end: a booking change or a waitlist ``publish`` records the event
and one outbox job per subscription; the worker sends it to a local receiver that checks
the signature as an integrator's would. Retries, the circuit per endpoint, auto-disable,
the address checks at delivery time, redelivery and test events."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.outbox import worker
from bookings.outbox.models import SyncJob
from bookings.services import (
    cancel_booking,
    complete_booking,
    create_booking,
    mark_no_show,
    reschedule_booking,
)
from tests.bookings.conftest import personal_page, slot
from tests.factories import BookingFactory, StaffFactory
from tests.webhooks.conftest import run
from webhooks import services
from webhooks.events import publish, subscribers
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def book(**extra):
    meeting_type, _seller = personal_page()
    return create_booking(
        meeting_type=meeting_type,
        start=slot(days=2, hour=10),
        timezone="America/Lima",
        name="Ana Pérez",
        email="ana@example.com",
        phone="+51987654321",
        **extra,
    ).booking


def deliveries(**filters) -> list[WebhookDelivery]:
    return list(
        WebhookDelivery.objects.filter(**filters).select_related("event").order_by("created_at")
    )


def test_booking_created_payload_and_headers_are_exactly_the_contract(subscribe, receiver):
    subscription = subscribe(events=["booking.created"])
    booking = book()
    [delivery] = deliveries()

    assert run(delivery) == worker.DONE

    [request] = receiver.requests
    event = delivery.event
    payload = json.loads(request.body)
    assert request.body == event.body.encode()  # the exact stored bytes were signed and sent
    assert set(payload) == {"id", "type", "created_at", "data"}
    assert (payload["id"], payload["type"]) == (str(event.id), "booking.created")
    assert dt.datetime.fromisoformat(payload["created_at"]) == event.created_at
    assert list(payload["data"]) == ["booking"]
    sent = payload["data"]["booking"]
    assert set(sent) == {
        "id", "status", "start", "end", "timezone", "meeting_type", "host", "location",
        "seller", "email", "phone", "answers",
    }  # fmt: skip
    assert sent["id"] == str(booking.pk)
    assert sent["status"] == "confirmed"
    assert dt.datetime.fromisoformat(sent["start"]) == booking.start
    assert sent["start"].endswith("-05:00")  # in the prospect's zone, with its offset
    assert sent["seller"] == {
        "id": str(booking.seller_id),
        "name": booking.seller.name,
        "email": booking.seller.email,
    }
    assert (sent["email"], sent["phone"], sent["answers"]) == (
        "ana@example.com",
        "+51987654321",
        {},
    )
    assert "manage_token" not in json.dumps(payload) and "manage" not in sent
    assert request.headers["x-webhook-event"] == "booking.created"
    assert request.headers["x-webhook-id"] == str(event.id)
    assert set(receiver.accepted) == {str(event.id)}  # the signature checked out
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 204)
    assert delivery.subscription_id == subscription.pk


def test_every_booking_change_is_an_event_in_order(subscribe):
    subscribe()
    booking = book()
    reschedule_booking(booking=booking, start=slot(days=3, hour=11))
    cancel_booking(booking=booking, reason="plans changed")
    began = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    held, missed = BookingFactory(start=began), BookingFactory(start=began)
    complete_booking(booking=held)
    mark_no_show(booking=missed)

    assert [
        (d.event.type, json.loads(d.event.body)["data"]["booking"]["id"]) for d in deliveries()
    ] == [
        ("booking.created", str(booking.pk)),
        ("booking.rescheduled", str(booking.pk)),
        ("booking.cancelled", str(booking.pk)),
        ("booking.completed", str(held.pk)),
        ("booking.no_show", str(missed.pk)),
    ]
    moved = json.loads(deliveries()[1].event.body)["data"]["booking"]
    assert dt.datetime.fromisoformat(moved["start"]) == slot(days=3, hour=11)


def test_only_active_subscriptions_to_the_type_get_it(subscribe):
    cancelled_only = subscribe(events=["booking.cancelled"])
    created = subscribe(events=["booking.created"])
    subscribe(events=["booking.created"], is_active=False)

    book()

    assert [d.subscription_id for d in deliveries()] == [created.pk]
    assert not WebhookDelivery.objects.filter(subscription=cancelled_only).exists()


def test_no_subscription_means_no_rows():
    book()
    assert (WebhookEvent.objects.count(), SyncJob.objects.filter(target="webhook").count()) == (
        0,
        0,
    )


def test_nobody_subscribing_is_cached_and_a_new_subscription_is_seen_at_once(subscribe):
    meeting_type, _seller = personal_page()
    subscribers("booking.created")  # the cache now knows nobody subscribes

    with CaptureQueriesContext(connection) as queries:
        assert subscribers("booking.created") == []
    subscription = subscribe(events=["booking.created"])
    made = create_booking(
        meeting_type=meeting_type,
        start=slot(days=2, hour=11),
        timezone="America/Lima",
        name="Ana Pérez",
        email="ana@example.com",
    ).booking

    assert len(queries) == 0
    assert [(d.subscription_id, d.event.type) for d in deliveries()] == [
        (subscription.pk, "booking.created")
    ]
    assert json.loads(deliveries()[0].event.body)["data"]["booking"]["id"] == str(made.pk)


def test_a_subscription_turned_off_is_seen_at_once(subscribe):
    subscription = subscribe(events=["booking.created"])
    assert subscribers("booking.created") == [subscription]
    services.update_subscription(subscription, is_active=False)

    assert subscribers("booking.created") == []


def test_publish_sends_a_waitlist_event_with_its_entry(subscribe, receiver):
    subscribe(events=["waitlist.offered"])
    entry = {"id": "0b7c…", "status": "notified", "offer": {"start": slot(days=1)}}

    event = publish("waitlist.offered", {"entry": entry})
    [delivery] = deliveries()
    assert run(delivery) == worker.DONE

    payload = json.loads(receiver.requests[0].body)
    assert (payload["id"], payload["type"]) == (str(event.id), "waitlist.offered")
    assert payload["data"] == {"entry": {**entry, "offer": {"start": slot(days=1).isoformat()}}}
    assert publish("waitlist.joined", {"entry": entry}) is None  # nobody subscribes to it
    with pytest.raises(ValueError):
        publish("waitlist.exploded", {})


def test_publish_rolls_back_with_the_callers_transaction(subscribe):
    subscribe(events=["waitlist.joined"])
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("waitlist.joined", {"entry": {"id": "x"}})
        raise RuntimeError("the waitlist change failed")

    assert (WebhookEvent.objects.count(), SyncJob.objects.filter(target="webhook").count()) == (
        0,
        0,
    )


def test_a_500_is_retried_later_with_the_same_event_id(subscribe, receiver, settings):
    settings.SYNC_RETRY_BASE_SECONDS = 60
    subscribe(events=["booking.created"])
    book()
    [delivery] = deliveries()
    receiver.fail_next(status=500)

    before = timezone.now()
    assert run(delivery) == worker.RETRY
    job = SyncJob.objects.get(pk=delivery.job_id)
    assert (job.status, job.attempts) == ("pending", 1)
    assert before <= job.not_before <= timezone.now() + dt.timedelta(seconds=60)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == ("pending", 500)
    assert delivery.subscription.failing_since is not None

    assert run(delivery) == worker.DONE
    ids = [r.headers["x-webhook-id"] for r in receiver.requests]
    assert ids == [str(delivery.event_id)] * 2
    assert list(receiver.accepted) == [str(delivery.event_id)]
    delivery.refresh_from_db()
    delivery.subscription.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.subscription.failing_since) == (
        "delivered",
        2,
        None,
    )


def test_the_circuit_opens_per_endpoint(subscribe, receiver, settings):
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    down = subscribe(events=["waitlist.joined"])
    up = subscribe(events=["waitlist.joined"], url=f"{receiver.url}/other")
    receiver.fail_next(2, status=503)
    first = publish("waitlist.joined", {"entry": {"n": 1}})
    second = publish("waitlist.joined", {"entry": {"n": 2}})
    # The down endpoint's two deliveries fail first (the fake fails the next two requests).
    assert [run(d) for d in deliveries(subscription=down)] == [worker.RETRY, worker.RETRY]

    third = publish("waitlist.joined", {"entry": {"n": 3}})
    [to_down] = deliveries(subscription=down, event=third)
    sent_before = len(receiver.requests)
    assert run(to_down) == worker.DEFERRED  # not even tried: its circuit is open
    assert len(receiver.requests) == sent_before
    assert SyncJob.objects.get(pk=to_down.job_id).attempts == 0

    # The other subscription's circuit is its own.
    assert [run(d) for d in deliveries(subscription=up)] == [worker.DONE] * 3
    assert {first.pk, second.pk, third.pk} == {d.event_id for d in deliveries(subscription=up)}


def test_a_day_of_failures_turns_the_subscription_off_and_emails_staff(
    subscribe, receiver, django_capture_on_commit_callbacks
):
    StaffFactory(username="ops", email="ops@example.com")
    subscription = subscribe(events=["waitlist.joined"])
    receiver.fail_next(10, status=500)
    publish("waitlist.joined", {"entry": {"n": 1}})
    [delivery] = deliveries()

    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert run(delivery) == worker.RETRY
        clock.shift(dt.timedelta(hours=23))
        assert run(delivery) == worker.RETRY
        subscription.refresh_from_db()
        assert subscription.is_active
        clock.shift(dt.timedelta(hours=1, seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            run(delivery)

    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.disabled_at is not None) == (False, True)
    assert "500" in subscription.disabled_reason
    [alert] = mail.outbox
    assert alert.to == ["ops@example.com"]
    assert subscription.url in alert.body
    # What is still queued for it stops for good; nothing new is recorded for it.
    assert run(delivery) == worker.FAILED
    assert publish("waitlist.joined", {"entry": {"n": 2}}) is None

    # Turning it back on gives it a clean slate.
    services.update_subscription(subscription, is_active=True)
    subscription.refresh_from_db()
    assert (subscription.failing_since, subscription.disabled_at) == (None, None)


def test_a_private_url_is_refused_at_subscription_time(db, receiver, settings):
    from config.errors import Invalid

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(Invalid) as refused:
        services.create_subscription(url=f"{receiver.url}/hook", events=["booking.created"])
    assert "private" in refused.value.fields["url"][0]
    with pytest.raises(Invalid):
        services.create_subscription(url="http://localhost/hook", events=["booking.created"])


def test_a_private_url_is_refused_again_at_delivery_time(subscribe, receiver, settings):
    subscribe(events=["booking.created"])  # allowed when it was saved
    book()
    [delivery] = deliveries()
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    assert run(delivery) == worker.FAILED  # permanent: no retry will make it public
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert "private" in delivery.last_error
    assert delivery.status == "failed"


def test_redeliver_sends_the_same_event_again_as_a_new_delivery(subscribe, receiver):
    subscribe(events=["booking.created"])
    book()
    [first] = deliveries()
    run(first)

    again = services.redeliver(first)
    assert (again.pk != first.pk, again.event_id) == (True, first.event_id)
    assert run(again) == worker.DONE

    assert [r.headers["x-webhook-id"] for r in receiver.requests] == [str(first.event_id)] * 2
    assert [r.body for r in receiver.requests] == [first.event.body.encode()] * 2
    assert len(receiver.accepted) == 1  # the receiver deduplicates on the id


def test_a_test_event_goes_to_one_subscription_even_inactive(subscribe, receiver):
    subscription = subscribe(events=["booking.created"], is_active=False)
    subscribe(events=["booking.created"])

    delivery = services.send_test_event(subscription)
    assert run(delivery) == worker.DONE

    [request] = receiver.requests
    payload = json.loads(request.body)
    assert (payload["type"], request.headers["x-webhook-event"]) == ("webhook.test", "webhook.test")
    assert payload["data"] == {
        "subscription": {"id": str(subscription.pk), "url": subscription.url}
    }
    assert [d.subscription_id for d in deliveries()] == [subscription.pk]


def test_staff_retry_of_a_failed_delivery_job_retries_that_job(subscribe, receiver, settings):
    from bookings.outbox import services as outbox

    subscribe(events=["waitlist.joined"])
    publish("waitlist.joined", {"entry": {"n": 1}})
    publish("waitlist.joined", {"entry": {"n": 2}})  # another pending webhook job
    failed, waiting = deliveries()
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    assert run(failed) == worker.FAILED
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True

    retried = outbox.retry_job(SyncJob.objects.get(pk=failed.job_id), actor="staff:ops")

    assert retried is not None and retried.pk == failed.job_id
    assert SyncJob.objects.get(pk=failed.job_id).status == "pending"
    assert run(failed) == worker.DONE
    assert SyncJob.objects.get(pk=waiting.job_id).status == "pending"  # untouched
