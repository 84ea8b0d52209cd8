"""Sending through Django's mail API: whatever EMAIL_BACKEND is (an anymail ESP, SMTP, the
console, locmem in tests), its failures mapped onto the provider error contract."""

from __future__ import annotations

import smtplib
import socket

from anymail.exceptions import (
    AnymailAPIError,
    AnymailConfigurationError,
    AnymailError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
    AnymailRequestsAPIError,
)
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives

from integrations import provider_http
from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.email.base import DeliveryUncertain, OutgoingEmail

PROVIDER = "email"


class DjangoMailSender:
    """One ``EmailMultiAlternatives`` per message, on the configured backend (or on
    ``connection``, e.g. the SMTP fallback's)."""

    def __init__(self, connection: object | None = None) -> None:
        self.connection = connection

    def send(self, email: OutgoingEmail) -> str | None:
        message = EmailMultiAlternatives(
            connection=self.connection,
            subject=email.subject,
            body=email.text,
            from_email=email.from_email,
            to=[email.to],
            reply_to=list(email.reply_to),
            headers=dict(email.headers),
        )
        message.attach_alternative(email.html, "text/html")
        for attachment in email.attachments:
            message.attach(attachment.filename, attachment.content, attachment.mimetype)
        try:
            message.send(fail_silently=False)
        except Exception as exc:
            mapped = _translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        # anymail reports the ESP's message id; other backends report nothing.
        status = getattr(message, "anymail_status", None)
        return getattr(status, "message_id", None) if status is not None else None


def _translate(exc: BaseException) -> BaseException:
    if isinstance(exc, ProviderTransientError | ProviderPermanentError):
        return exc
    if isinstance(exc, AnymailRequestsAPIError) and exc.response is not None:
        response = exc.response
        try:
            provider_http.raise_for_status(
                PROVIDER, response.status_code, response.text[:300], response.headers
            )
        except (ProviderTransientError, ProviderPermanentError) as mapped:
            return mapped
        # a 2xx the backend could not parse: the message may or may not have gone out.
        return DeliveryUncertain(PROVIDER, f"unreadable ESP response: {exc}")
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return ProviderPermanentError(PROVIDER, f"recipient refused: {exc}")
    if isinstance(exc, AnymailConfigurationError | ImproperlyConfigured):
        return ProviderPermanentError(PROVIDER, f"email is misconfigured: {exc}")
    if isinstance(exc, AnymailAPIError | AnymailError):
        # no HTTP response at all: connection refused, DNS — or a timeout after sending.
        return DeliveryUncertain(PROVIDER, f"ESP unreachable: {exc}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return ProviderPermanentError(PROVIDER, f"SMTP refused: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        if 400 <= code < 500:
            return ProviderTransientError(PROVIDER, f"SMTP {code}: {exc.smtp_error!r}")
        return ProviderPermanentError(PROVIDER, f"SMTP {code}: {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPServerDisconnected | socket.timeout):
        return DeliveryUncertain(PROVIDER, f"SMTP connection lost: {exc}")
    if isinstance(exc, smtplib.SMTPException | OSError):
        return ProviderTransientError(PROVIDER, f"SMTP unreachable: {exc}")
    return exc
