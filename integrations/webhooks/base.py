"""What crosses the webhook boundary: plain values in, plain values out.

A webhook is one signed ``POST`` of a JSON body to a URL staff configured (docs/api.md,
"Outbound webhooks"). The adapter owns the wire format — the ``X-Webhook-*`` headers and
the signature — so the domain hands it the event and the secret, nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

from integrations.base import ProviderPermanentError, ProviderTransientError

PROVIDER = "webhook"
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class WebhookMessage:
    """One event for one endpoint. ``body`` is the exact bytes sent (and signed)."""

    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class WebhookResponse:
    """What the receiver answered (a 2xx: anything else is raised)."""

    status: int
    body_excerpt: str
    duration_ms: int
    address: str  # the checked IP address the request went to


class WebhookSender(Protocol):
    """Delivers one message.

    Raises ``DeliveryFailed`` (transient: any non-2xx answer, timeouts, connection errors —
    the contract retries them all) or ``UnsafeTarget`` (permanent: the URL resolves to an
    address we may not call).
    """

    def send(self, message: WebhookMessage) -> WebhookResponse: ...


class DeliveryFailed(ProviderTransientError):
    """Not delivered this time: the receiver did not answer 2xx, or could not be reached
    (its name did not resolve, no connection, a timeout). ``status`` is None when no
    answer came at all."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(PROVIDER, message, retry_after)
        self.status = status


class UnsafeTarget(ProviderPermanentError):
    """The URL is not http(s), or resolves to a loopback, private or link-local address."""

    def __init__(self, message: str) -> None:
        super().__init__(PROVIDER, message)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 with the secret of "<timestamp>.<raw body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def headers(message: WebhookMessage, timestamp: int) -> dict[str, str]:
    """The contract's headers for ``message`` sent at ``timestamp`` (unix seconds)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "meetroute-webhooks/1",
        "X-Webhook-Event": message.event_type,
        "X-Webhook-Id": message.event_id,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature(message.secret, timestamp, message.body),
    }
