"""Delivering one event to one subscription, as an outbox job.

``enqueue`` records the delivery and its job (target ``webhook``, no booking); the outbox
worker claims the job, asks ``circuit`` which breaker guards it (one per subscription: one
dead receiver must not hold back the others) and runs ``handle``, which sends through the
HTTP adapter and records what the receiver answered. Retries, backoff with full jitter,
leases and the circuit are the worker's (docs/architecture.md, "The outbox").
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bookings.outbox import services as outbox
from bookings.outbox.models import SyncJob
from integrations.base import ProviderError, ProviderPermanentError
from integrations.webhooks.base import DeliveryFailed, WebhookMessage, WebhookResponse
from integrations.webhooks.http import HttpWebhookSender
from webhooks import alerts
from webhooks.models import TEST_EVENT, WebhookDelivery, WebhookEvent, WebhookSubscription

logger = logging.getLogger(__name__)

TARGET = SyncJob.Target.WEBHOOK


def enqueue(*, subscription: WebhookSubscription, event: WebhookEvent) -> WebhookDelivery:
    """Record a delivery of ``event`` to ``subscription`` and its pending outbox job (run
    after the surrounding transaction commits). Each call is one more delivery."""
    with transaction.atomic():
        delivery = WebhookDelivery(subscription=subscription, event=event)
        delivery.job = outbox.enqueue_job(
            target=TARGET,
            action=SyncJob.Action.DELIVER,
            payload={"delivery": str(delivery.id), "subscription": str(subscription.id)},
            max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        )
        delivery.save()
    return delivery


def circuit(job: SyncJob) -> str:
    """The breaker of the job's endpoint: one per subscription."""
    return f"webhook:{job.payload.get('subscription', '?')}"


def handle(job: SyncJob) -> None:
    """Outbox handler: POST the event to the subscription's URL, signed, and record the
    answer on the delivery. Raises what the adapter raises (the worker retries transient
    errors); a deleted delivery or an inactive subscription fails the job for good. Safe to
    run again: receivers deduplicate on the event id, which never changes."""
    delivery = (
        WebhookDelivery.objects.select_related("subscription", "event")
        .filter(pk=job.payload.get("delivery"))
        .first()
    )
    if delivery is None:
        raise ProviderPermanentError("webhook", "the delivery was deleted")
    subscription, event = delivery.subscription, delivery.event
    # A test event may go to an inactive subscription: it checks the receiver before use.
    if not subscription.is_active and event.type != TEST_EVENT:
        raise ProviderPermanentError("webhook", "the subscription is inactive")
    message = WebhookMessage(
        url=subscription.url,
        secret=subscription.secret,
        event_id=str(event.id),
        event_type=event.type,
        body=event.body.encode(),
    )
    try:
        response = HttpWebhookSender.from_settings().send(message)
    except ProviderError as exc:
        record_failure(delivery, exc)
        raise
    record_success(delivery, response)


def record_success(delivery: WebhookDelivery, response: WebhookResponse) -> None:
    """The receiver took it: log the answer; the subscription is healthy again."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        delivered_at=now,
        response_status=response.status,
        response_excerpt=response.body_excerpt,
        duration_ms=response.duration_ms,
        last_error="",
    )
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).exclude(
        failing_since=None
    ).update(failing_since=None)


def record_failure(delivery: WebhookDelivery, error: ProviderError) -> None:
    """Log the failed attempt; a subscription failing for ``WEBHOOK_DISABLE_AFTER_HOURS``
    without a success in between is turned off and staff are emailed (after commit)."""
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            response_status=error.status if isinstance(error, DeliveryFailed) else None,
            response_excerpt="",
            duration_ms=None,
            last_error=str(error)[:4000],
        )
        subscription = WebhookSubscription.objects.select_for_update().get(
            pk=delivery.subscription_id
        )
        if subscription.failing_since is None:
            subscription.failing_since = now
            subscription.save(update_fields=["failing_since", "updated_at"])
        elif subscription.is_active and now - subscription.failing_since >= _disable_after():
            _disable(subscription, now, str(error))


def _disable_after() -> dt.timedelta:
    return dt.timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)


def _disable(subscription: WebhookSubscription, now: dt.datetime, error: str) -> None:
    subscription.is_active = False
    subscription.disabled_at = now
    since = subscription.failing_since.isoformat() if subscription.failing_since else "?"
    subscription.disabled_reason = f"Every delivery failed since {since}; last error: {error[:500]}"
    subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    logger.warning("webhook subscription %s disabled: %s", subscription.pk, error)
    subscription_id = subscription.pk
    transaction.on_commit(lambda: alerts.subscription_disabled(subscription_id=subscription_id))
