"""What crosses the email boundary: plain values, never Django or ESP objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from integrations.base import ProviderTransientError


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class OutgoingEmail:
    """One message to one recipient."""

    to: str
    subject: str
    text: str
    html: str
    from_email: str | None = None
    reply_to: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


class EmailSender(Protocol):
    """Sends one message; returns the provider's message id when it gives one.

    Raises ``ProviderTransientError`` (retry: 5xx, 429, timeouts, connection errors) or
    ``ProviderPermanentError`` (rejected recipient, bad request, bad configuration).
    """

    def send(self, email: OutgoingEmail) -> str | None: ...


class DeliveryUncertain(ProviderTransientError):
    """The server may have taken the message before the failure (a timeout, a connection
    lost mid-request, an unreadable success): retry on the same channel only, or the
    message could arrive twice."""
