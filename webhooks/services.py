"""Webhook subscriptions and staff actions on deliveries; the admin and the API call these."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from config.errors import Invalid
from integrations.webhooks.addresses import check_url
from integrations.webhooks.base import DeliveryFailed, UnsafeTarget
from webhooks import delivery, events
from webhooks.models import TEST_EVENT, EventType, WebhookDelivery, WebhookSubscription

#: A secret given by staff must be at least this long (a generated one is 43 characters).
MIN_SECRET_LENGTH = 16


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def check_target(url: str) -> None:
    """Raise ``Invalid`` (field ``url``) unless ``url`` is http(s), resolves, and every
    address it resolves to right now is public (or ``WEBHOOK_ALLOW_PRIVATE_URLS``)."""
    try:
        check_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_URLS)
    except (UnsafeTarget, DeliveryFailed) as exc:
        raise Invalid("This URL cannot receive webhooks.", {"url": [exc.message]}) from exc


def _clean_events(event_types: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types))
    unknown = [e for e in chosen if e not in EventType.values]
    if unknown or not chosen:
        message = f"Unknown event types: {', '.join(unknown)}" if unknown else "Pick an event."
        raise Invalid("Invalid events.", {"events": [message]})
    return chosen


@transaction.atomic
def create_subscription(
    *,
    url: str,
    events: Iterable[str],
    is_active: bool = True,
    secret: str = "",
    description: str = "",
) -> WebhookSubscription:
    """Check the URL and save a subscription; a secret is generated when none is given.
    The caller shows ``subscription.secret`` once (the create answer) and never again."""
    check_target(url)
    if secret and len(secret) < MIN_SECRET_LENGTH:
        raise Invalid(
            "Secret too short.",
            {"secret": [f"Use at least {MIN_SECRET_LENGTH} characters, or leave it empty."]},
        )
    return WebhookSubscription.objects.create(
        url=url,
        events=_clean_events(events),
        is_active=is_active,
        secret=secret or generate_secret(),
        description=description,
    )


@transaction.atomic
def update_subscription(
    subscription: WebhookSubscription, **changes: object
) -> WebhookSubscription:
    """Change ``url``, ``events``, ``is_active``, ``description`` or ``secret`` (a new one
    replaces the old at once). A changed URL is checked again; turning a subscription back
    on forgets its failures, so it gets a full day again."""
    if "url" in changes and changes["url"] != subscription.url:
        check_target(str(changes["url"]))
    if "events" in changes:
        changes["events"] = _clean_events(changes["events"])  # type: ignore[arg-type]
    secret = changes.pop("secret", "")
    if secret:
        if len(str(secret)) < MIN_SECRET_LENGTH:
            raise Invalid("Secret too short.", {"secret": [f"At least {MIN_SECRET_LENGTH}."]})
        subscription.secret = str(secret)
    if changes.get("is_active") and not subscription.is_active:
        subscription.failing_since = None
        subscription.disabled_at = None
        subscription.disabled_reason = ""
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.save()
    return subscription


@transaction.atomic
def redeliver(source: WebhookDelivery) -> WebhookDelivery:
    """Send the same event (same id, same body) to the same subscription again, as a new
    delivery with fresh attempts. The old delivery's log stays as it was."""
    return delivery.enqueue(subscription=source.subscription, event=source.event)


@transaction.atomic
def send_test_event(subscription: WebhookSubscription) -> WebhookDelivery:
    """Queue a ``webhook.test`` event to this subscription only, even an inactive one."""
    event = events.record_event(
        TEST_EVENT,
        {"subscription": {"id": str(subscription.id), "url": subscription.url}},
    )
    return delivery.enqueue(subscription=subscription, event=event)
