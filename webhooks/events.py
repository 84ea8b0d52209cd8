"""What happened, as webhook events: one ``WebhookEvent`` and one delivery per subscription
that wants it, recorded in the transaction of the change itself.

Bookings announce their changes through ``bookings.changes`` (``booking_changed`` listens,
registered in ``WebhooksConfig.ready``); the waitlist calls ``publish`` directly.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from bookings.api.serializers import PublicBookingSerializer
from bookings.changes import BookingChange
from bookings.models import Booking
from webhooks import delivery
from webhooks.models import EventType, WebhookEvent, WebhookSubscription


def publish(event_type: str, data: dict[str, Any]) -> WebhookEvent | None:
    """Tell every active subscription to ``event_type`` that it happened.

    For the waitlist: call it inside the transaction that made the change, right after
    the entry is written, e.g.::

        from webhooks.events import publish
        publish("waitlist.offered", {"entry": EntrySerializer(entry).data})

    ``event_type`` is one of ``EventType`` (``waitlist.joined``, ``waitlist.offered``,
    ``waitlist.confirmed``, or a ``booking.*`` type); ``data`` becomes the payload's
    ``"data"`` object as it is — waitlist events carry ``{"entry": {…}}`` (the entry as
    the public waitlist API shows it). Datetimes and UUIDs in it are written as ISO 8601
    and strings.

    Writes one ``WebhookEvent`` and, per subscription, a ``WebhookDelivery`` and its
    outbox job; they commit or roll back with the caller's transaction, and deliveries start
    after commit. Returns the event, or None when nobody subscribes (nothing is written).
    Not idempotent: each call is one more event (with its own id).
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    subscriptions = subscribers(event_type)
    return _publish(event_type, subscriptions, data) if subscriptions else None


def subscribers(event_type: str) -> list[WebhookSubscription]:
    """Active subscriptions to ``event_type`` (filtered here: a JSON list lookup differs
    between PostgreSQL and SQLite, and there are a handful of subscriptions)."""
    return [s for s in WebhookSubscription.objects.filter(is_active=True) if event_type in s.events]


def _publish(
    event_type: str, subscriptions: list[WebhookSubscription], data: dict[str, Any]
) -> WebhookEvent:
    with transaction.atomic():
        event = record_event(event_type, data)
        for subscription in subscriptions:
            delivery.enqueue(subscription=subscription, event=event)
    return event


def record_event(event_type: str, data: dict[str, Any]) -> WebhookEvent:
    """Write the event with its body fixed once: ``{"id", "type", "created_at", "data"}``."""
    event = WebhookEvent(type=event_type, created_at=timezone.now())
    body = {
        "id": str(event.id),
        "type": event_type,
        "created_at": event.created_at.isoformat(),
        "data": data,
    }
    event.body = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
    event.save()
    return event


def booking_changed(change: BookingChange) -> None:
    """``bookings.changes`` listener: ``booking.<kind>`` for every booking change."""
    event_type = f"booking.{change.kind}"
    subscriptions = subscribers(event_type)
    if subscriptions:  # only then is the booking worth serializing
        _publish(event_type, subscriptions, {"booking": booking_data(change.booking)})


def booking_data(booking: Booking) -> dict[str, Any]:
    """The booking as the public API shows it (no manage token, no manage link: the token
    is the prospect's secret), plus the seller and the prospect's contact and answers."""
    data = dict(PublicBookingSerializer(booking).data)
    data["seller"] = {
        "id": str(booking.seller_id),
        "name": booking.seller.name,
        "email": booking.seller.email,
    }
    data.update(email=booking.email, phone=booking.phone, answers=booking.answers)
    return data
