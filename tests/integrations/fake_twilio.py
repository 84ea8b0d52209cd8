"""Twilio's REST API (2010-04-01): messages (form-encoded create with basic auth, answered
with Twilio's JSON message resource or its error shape) and "Fetch an Account resource"
(``GET /2010-04-01/Accounts/{Sid}.json``, twilio.com/docs/iam/api/account) for the provider
check; ``status`` is one of active, suspended, closed. Bad credentials are 401 code 20003,
another account's SID 403 ("Error and warning dictionary").

Twilio's own requests to us are made here too: an inbound message ("A message comes in":
form fields MessageSid, From, To, Body, twilio.com/docs/messaging/guides/webhook-request)
and a delivery status callback (MessageSid, MessageStatus, to the message's
StatusCallback), each signed as Twilio signs them (twilio.com/docs/usage/security:
X-Twilio-Signature = base64 of HMAC-SHA1 under the auth token of the full URL followed by
every POST parameter name and value, sorted by name) — written out here, independently of
the client library's RequestValidator that the code under test uses."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from tests.integrations.fakeserver import FakeProvider, Request, Response

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-token"
FROM_NUMBER = "+15005550006"
BASIC = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


def _error(status: int, code: int, message: str) -> Response:
    return Response(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://twilio.example/{code}",
            "status": status,
        },
    )


class FakeTwilio(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []
        self.callbacks: dict[str, str] = {}  # message sid → its StatusCallback URL
        self.account_status = "active"

    def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != BASIC:
            return _error(401, 20003, "Authenticate")
        account = re.fullmatch(r"/2010-04-01/Accounts/(AC\w+)\.json", request.path)
        if account and request.method == "GET":
            if account.group(1) != ACCOUNT_SID:
                return _error(403, 20003, "Permission denied")
            return Response(
                200,
                {
                    "sid": ACCOUNT_SID,
                    "friendly_name": "meetroute",
                    "status": self.account_status,
                    "type": "Full",
                    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}.json",
                },
            )
        match = re.fullmatch(r"/2010-04-01/Accounts/(AC\w+)/Messages\.json", request.path)
        if not match or request.method != "POST":
            return _error(404, 20404, "The requested resource was not found")
        if match.group(1) != ACCOUNT_SID:
            return _error(403, 20003, "Permission denied")
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if not re.fullmatch(r"\+[1-9]\d{6,14}", form.get("To", "")):
            return _error(400, 21211, f"The 'To' number {form.get('To')} is not valid.")
        if not re.fullmatch(r"\+[1-9]\d{6,14}", form.get("From", "")) and not form.get(
            "MessagingServiceSid"
        ):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return _error(400, 21602, "Message body is required.")
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
        message = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"
            },
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }
        self.messages.append(message)
        if form.get("StatusCallback"):
            self.callbacks[sid] = form["StatusCallback"]
        return Response(201, message)


def signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature for a POST of ``params`` to ``url``."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def post_signed(client: Any, url: str, params: dict[str, str], *, token: str = AUTH_TOKEN) -> Any:
    """POST ``params`` to ``url`` (absolute, as Twilio knows it) with Twilio's signature,
    through Django's test ``client``."""
    path = re.sub(r"^https?://[^/]+", "", url)
    header = signature(url, params, token)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=header)


def inbound_params(from_: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


def status_params(sid: str, status: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "MessageStatus": status,
        "AccountSid": ACCOUNT_SID,
        "From": FROM_NUMBER,
        "ApiVersion": "2010-04-01",
    }
