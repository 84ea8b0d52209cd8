"""The ESP first, SMTP when it cannot take a message (design 002: SendGrid first, SMTP as
fallback).

``EMAIL_BACKEND`` (an anymail ESP) is the primary; ``EMAIL_FALLBACK_URL`` (optional) names
an SMTP server. A message goes by SMTP when the ESP refuses it permanently or the ESP's
circuit (``email-esp``, opened by its transient failures) is open. ``deliver`` says which
channel took the message, so the caller records it.

Never both: a failure after which the first channel may still have taken the message
(``DeliveryUncertain``: a timeout, a lost connection, an unreadable success) pins the
message to that channel — the caller passes the pin back on the retry and the other channel
is not tried. A permanent refusal or an open circuit means the ESP did not take it, so
SMTP is safe.
"""

from __future__ import annotations

from dataclasses import dataclass

import environ
from django.conf import settings
from django.core.mail import get_connection

from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.circuit import CircuitBreaker
from integrations.email.base import DeliveryUncertain, EmailSender, OutgoingEmail
from integrations.email.django_mail import DjangoMailSender

ESP = "esp"
SMTP = "smtp"
BREAKER = "email-esp"


@dataclass(frozen=True)
class Delivery:
    message_id: str | None
    via: str  # ESP or SMTP


class ChannelError(ProviderTransientError):
    """A transient failure of one channel; ``pin`` is set when the message must stay on it."""

    def __init__(self, error: ProviderTransientError, *, pin: str | None) -> None:
        super().__init__(error.provider, error.message, error.retry_after)
        self.pin = pin


def smtp_sender(url: str) -> DjangoMailSender:
    """A sender on Django's SMTP backend for ``url`` (smtp://, smtps://, submission://)."""
    config = environ.Env.email_url_config(url)
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=config["EMAIL_HOST"],
        port=config.get("EMAIL_PORT"),
        username=config.get("EMAIL_HOST_USER") or None,
        password=config.get("EMAIL_HOST_PASSWORD") or None,
        use_tls=bool(config.get("EMAIL_USE_TLS")),
        use_ssl=bool(config.get("EMAIL_USE_SSL")),
        timeout=float(settings.PROVIDER_TIMEOUT),
    )
    return DjangoMailSender(connection)


class FallbackSender:
    def __init__(
        self,
        primary: EmailSender,
        fallback: EmailSender | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.breaker = breaker or CircuitBreaker(BREAKER)

    @classmethod
    def from_settings(cls) -> FallbackSender:
        url = settings.EMAIL_FALLBACK_URL
        return cls(DjangoMailSender(), smtp_sender(url) if url else None)

    def deliver(self, email: OutgoingEmail, *, pin: str | None = None) -> Delivery:
        """Send ``email`` once, by the ESP or by SMTP. Raises ``ChannelError`` (transient,
        with the pin to pass back) or ``ProviderPermanentError``."""
        if pin == SMTP or (self.fallback and pin is None and not self.breaker.allow()):
            return self._by_smtp(email)
        try:
            message_id = self.primary.send(email)
        except ProviderPermanentError:
            if self.fallback is None or pin == ESP:
                raise
            return self._by_smtp(email)
        except ProviderTransientError as exc:
            self.breaker.record_failure()
            raise ChannelError(exc, pin=ESP if isinstance(exc, DeliveryUncertain) else pin) from exc
        self.breaker.record_success()
        return Delivery(message_id, ESP)

    def _by_smtp(self, email: OutgoingEmail) -> Delivery:
        if self.fallback is None:  # pinned to SMTP, then EMAIL_FALLBACK_URL was removed
            raise ProviderPermanentError("email", "message pinned to SMTP, which is not set")
        try:
            return Delivery(self.fallback.send(email), SMTP)
        except ProviderTransientError as exc:
            pin = SMTP if isinstance(exc, DeliveryUncertain) else None
            raise ChannelError(exc, pin=pin) from exc
