"""Telling staff that a webhook subscription was turned off."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape

from integrations.base import ProviderError
from integrations.email.base import OutgoingEmail
from integrations.email.django_mail import DjangoMailSender
from webhooks.models import WebhookSubscription

logger = logging.getLogger(__name__)


def staff_emails() -> list[str]:
    """Active staff who may change subscriptions (superusers, or the model permission)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    perm = Q(user_permissions__codename="change_webhooksubscription") | Q(
        groups__permissions__codename="change_webhooksubscription"
    )
    return sorted(set(users.filter(Q(is_superuser=True) | perm).values_list("email", flat=True)))


def subscription_disabled(*, subscription_id: uuid.UUID) -> int:
    """Email every staff member in ``staff_emails`` that the subscription was turned off;
    returns how many were sent. A failed email is logged, not raised: the subscription is
    off either way and the admin shows why."""
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return 0
    link = settings.BASE_URL + reverse(
        "admin:webhooks_webhooksubscription_change", args=[subscription.pk]
    )
    subject = f"Webhook turned off: {subscription}"
    text = (
        f"The webhook subscription {subscription} ({subscription.url}) was turned off.\n\n"
        f"{subscription.disabled_reason}\n\n"
        f"Fix the receiver, then turn it on again and redeliver what it missed: {link}\n"
    )
    html = "<p>" + "</p><p>".join(escape(part) for part in text.strip().split("\n\n")) + "</p>"
    sent = 0
    for to in staff_emails():
        try:
            DjangoMailSender().send(OutgoingEmail(to=to, subject=subject, text=text, html=html))
        except ProviderError as exc:
            logger.error("cannot tell %s that webhook %s is off: %s", to, subscription.pk, exc)
        else:
            sent += 1
    return sent
