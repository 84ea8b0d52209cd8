"""SMS through the real ``twilio`` client.

``TWILIO_API_URL`` replaces the client's ``api.base_url`` (tests point it at a local fake).
The HTTP client is twilio's own, with an explicit timeout; it is subclassed only to keep
the last response's headers, which twilio's exception drops (Retry-After on 429).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from integrations.provider_http import raise_for_status, timeout, transport_errors
from integrations.sms.base import SentSms

PROVIDER = "twilio"


class _HeaderKeepingHttpClient(TwilioHttpClient):
    last_headers: Any = None

    def request(self, *args: Any, **kwargs: Any) -> TwilioResponse:
        self.last_headers = None
        response = super().request(*args, **kwargs)
        self.last_headers = response.headers
        return response


class TwilioSms:
    name = PROVIDER

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_url: str = "",
        timeout_seconds: float,
    ) -> None:
        self.http_client = _HeaderKeepingHttpClient(timeout=timeout_seconds)
        self.client = Client(account_sid, auth_token, http_client=self.http_client)
        if api_url:
            self.client.api.base_url = api_url.rstrip("/")
        self.from_number = from_number

    @classmethod
    def from_settings(cls) -> TwilioSms:
        return cls(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_FROM_NUMBER,
            api_url=settings.TWILIO_API_URL,
            timeout_seconds=timeout(),
        )

    def account(self) -> str:
        """Fetch our own account (the provider check's cheap read); returns its status."""
        try:
            with transport_errors(PROVIDER):
                account = self.client.api.v2010.accounts(self.client.username).fetch()
        except TwilioRestException as exc:
            raise_for_status(PROVIDER, exc.status, f"{exc.code}: {exc.msg}"[:300])
            raise
        return str(account.status)

    def send(self, to: str, body: str, *, status_callback: str = "") -> SentSms:
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            with transport_errors(PROVIDER):
                message = self.client.messages.create(
                    to=to, from_=self.from_number, body=body, **extra
                )
        except TwilioRestException as exc:
            raise_for_status(
                PROVIDER, exc.status, f"{exc.code}: {exc.msg}"[:300], self.http_client.last_headers
            )
            raise
        return SentSms(sid=str(message.sid), to=to, body=body)


def valid_signature(url: str, params: dict[str, str], signature: str) -> bool:
    """Whether ``signature`` (the X-Twilio-Signature header) signs a request Twilio made to
    ``url`` with form ``params``, under TWILIO_AUTH_TOKEN (twilio's RequestValidator)."""
    token = settings.TWILIO_AUTH_TOKEN
    return bool(token and signature) and RequestValidator(token).validate(url, params, signature)


def twiml_reply(text: str) -> str:
    """The TwiML answer to an inbound message: ``text`` as the reply, none when empty."""
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
