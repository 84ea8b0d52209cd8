"""What happened, as webhook events: one ``WebhookEvent`` and one delivery per subscription
that wants it, recorded in the transaction of the change itself.

Bookings announce their changes through ``bookings.changes`` (``booking_changed`` listens,
registered in ``WebhooksConfig.ready``); the waitlist calls ``publish`` directly.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from bookings.api.serializers import PublicBookingSerializer
from bookings.changes import BookingChange
from bookings.models import Booking
from integrations import shared_cache
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
    between PostgreSQL and SQLite, and there are a handful of subscriptions).

    No query when the cache says nobody subscribes to it: the event types with an active
    subscription are cached under a token that every save or delete of a subscription
    replaces (``subscriptions_changed``), read before the rows, as the slot cache does
    (``scheduling.cache``). The cache being away costs the query, never an event."""
    token, known = _subscribed_types()
    if known is not None and event_type not in known:
        return []
    active = list(WebhookSubscription.objects.filter(is_active=True))
    if token is not None:
        types = sorted({str(t) for s in active for t in s.events or ()})
        _cache_call(cache.set, _TYPES_KEY, (token, types), timeout=None)
    return [s for s in active if event_type in s.events]


#: The token a subscription write replaces, and (token, event types subscribed) as last read.
_TOKEN_KEY, _TYPES_KEY = "webhooks:subscriptions:token", "webhooks:subscriptions:types"


def _subscribed_types() -> tuple[str | None, frozenset[str] | None]:
    """The current token (None: no cache) and the event types with an active subscription
    read under it (None: not known; read the rows). One cache round trip."""
    found = _cache_call(cache.get_many, [_TOKEN_KEY, _TYPES_KEY])
    if found is None:
        return None, None
    token = found.get(_TOKEN_KEY)
    if token is None:
        token = uuid.uuid4().hex
        if not _cache_call(cache.add, _TOKEN_KEY, token, timeout=None):
            return None, None  # someone else set one first (or no cache): read the rows
    seen = found.get(_TYPES_KEY)
    if seen is not None and seen[0] == token:
        return token, frozenset(seen[1])
    return token, None


def subscriptions_changed(**kwargs: Any) -> None:
    """Signal receiver (a subscription saved or deleted): forget the cached event types, at
    once and again after commit (a read between the two saw the rows before the commit)."""

    def replace() -> None:
        _cache_call(cache.set, _TOKEN_KEY, uuid.uuid4().hex, timeout=None)

    replace()
    transaction.on_commit(replace)


def _cache_call(method: Any, *args: Any, **kwargs: Any) -> Any:
    """``method(*args, **kwargs)`` through the guarded Redis, or None while it is down (the
    cache being away must fail neither a booking nor a subscription's save)."""
    try:
        with shared_cache.guard("webhook subscriptions"):
            return method(*args, **kwargs)
    except shared_cache.Unavailable:
        return None


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
