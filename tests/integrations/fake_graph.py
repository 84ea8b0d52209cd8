"""Microsoft identity platform (OpenID configuration + client-credentials token endpoint)
and Microsoft Graph users + online meetings, in one fake served over HTTPS.

What it enforces, and where that comes from:
- Graph v1.0 "Get user" (learn.microsoft.com/graph/api/user-get, HTTP request):
  ``GET /users/{id | userPrincipalName}``; an unknown user is 404 with
  ``Request_ResourceNotFound``.
- "onlineMeeting: createOrGet" (learn.microsoft.com/graph/api/onlinemeeting-createorget,
  HTTP request + Request body): ``POST /users/{userId}/onlineMeetings/createOrGet``;
  ``externalId`` required; ``startDateTime``/``endDateTime`` ISO 8601. "Update onlineMeeting"
  (PATCH) and "Delete onlineMeeting" (DELETE, 204) on ``/users/{userId}/onlineMeetings/{id}``.
  With application permissions the path's userId is the organizer's object id (a GUID);
  the answer Graph gives to an email there is not documented — this fake answers 404, as
  the issue reports from production.
- "Configure application access policy" (learn.microsoft.com/graph/cloud-communication-
  online-meeting-application-access-policy, Errors): without a policy granted to the user,
  app-only calls get 403 ``{"error": {"code": "Forbidden", "message": "No application access
  policy found for this app"}}``.
- Every Graph call needs ``Authorization: Bearer <token>``; otherwise 401
  ``InvalidAuthenticationToken`` (Graph "Microsoft Graph error responses", Code property).

Outlook calendars (delegated tokens, ``/me``), per the Graph v1.0 reference:
- Identity platform "authorization code flow" (learn.microsoft.com/entra/identity-platform/
  v2-oauth2-auth-code-flow): ``/{tenant}/oauth2/v2.0/authorize`` with ``code_challenge``
  (S256); the token endpoint redeems the code once, for the same ``redirect_uri``, with the
  matching ``code_verifier``; ``grant_type=refresh_token`` answers a revoked grant 400
  ``invalid_grant`` (AADSTS50173 "the provided grant has expired due to it being revoked").
- "calendar: getSchedule" (graph/api/calendar-getschedule): ``schedules`` (SMTP addresses),
  ``startTime``/``endTime`` as dateTimeTimeZone, ``availabilityViewInterval`` 5–1440. The
  page states no cap on schedules per call or on the range: this fake refuses more than 20
  schedules or more than 62 days (Exchange's availability limits, not found on the page).
  An unknown mailbox is an entry with an ``error`` instead of ``scheduleItems``.
- "Create event" (graph/api/user-post-events): ``subject``, ``start``/``end``
  dateTimeTimeZone, ``attendees[].emailAddress.address``; ``transactionId`` — a repeated
  POST with the same one returns the first event; ``isOnlineMeeting`` +
  ``onlineMeetingProvider`` (teamsForBusiness, skypeForBusiness, skypeForConsumer) gives an
  ``onlineMeeting.joinUrl``. "Update event" (PATCH), "Delete event" (204); an unknown id is
  404 ``ErrorItemNotFound``. Filtering ``/me/events`` with ``transactionId eq '…'`` is not
  documented either way; this fake supports it.
- "event: delta" (graph/api/event-delta, calendarView): the first round needs
  ``startDateTime``/``endDateTime``; pages end in ``@odata.nextLink`` or an
  ``@odata.deltaLink``; a deleted event comes back as ``{"id", "@removed": {"reason":
  "deleted"}}``; an expired delta token is 410 ``SyncStateNotFound``.
- "Create subscription" (graph/api/subscription-post-subscriptions) and "Receive change
  notifications through webhooks" (graph/change-notifications-delivery-webhooks):
  ``changeType`` of created/updated/deleted, ``notificationUrl`` https, ``resource``,
  ``expirationDateTime`` at most 10,080 minutes ahead for Outlook events
  ("subscription resource type", maximum length), ``clientState`` ≤ 128 characters. Graph
  validates ``notificationUrl`` first: POST ``?validationToken=…``; the endpoint must answer
  200 with the token as ``text/plain`` within 10 seconds, else 400 "Subscription validation
  request failed". Notifications carry ``subscriptionId`` and ``clientState``.

msal insists on an https authority, so this fake wraps its socket in TLS with a
self-signed certificate made on the fly; tests trust it through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import ssl
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integrations.fakeserver import FakeProvider, Request, Response

TENANT_ID = "tenant-1"
CLIENT_ID = "ms-client"
CLIENT_SECRET = "ms-secret"
GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _graph_error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


Deliver = Callable[[str, dict[str, Any] | None], tuple[int, str, str]]


def _post(url: str, body: dict[str, Any] | None) -> tuple[int, str, str]:
    """Graph calling an endpoint: (status, content type, text)."""
    response = requests.post(url, json=body, timeout=10)
    return response.status_code, response.headers.get("Content-Type", ""), response.text


def _utc(value: Any) -> dt.datetime | None:
    """A dateTimeTimeZone given in UTC, or None when it is not one."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        return None
    if value.get("timeZone") not in ("UTC", "Etc/UTC"):
        return None
    try:
        return dt.datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _graph_time(moment: dt.datetime) -> dict[str, str]:
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


ONLINE_PROVIDERS = {"teamsForBusiness", "skypeForBusiness", "skypeForConsumer", "unknown"}
CHANGE_TYPES = {"created", "updated", "deleted"}
MAX_SUBSCRIPTION = dt.timedelta(minutes=10080)


class FakeGraph(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        # Outlook (delegated): codes, refresh tokens, mailboxes, events, subscriptions.
        self.redirect_uri = ""
        self.codes: dict[str, dict[str, str]] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> UPN
        self.access: dict[str, str] = {}  # access token -> UPN
        self.revoked: set[str] = set()  # UPNs whose consent is gone
        self.events: dict[str, dict[str, Any]] = {}
        self.changes: list[tuple[int, str]] = []  # (sequence, event id)
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.delta_expired = False
        self.page_size = 50
        self.deliver: Deliver = _post
        self._pages: dict[str, list[dict[str, Any]]] = {}
        self.meetings: dict[str, dict[str, Any]] = {}
        self.tokens_issued: list[str] = []
        self.users: dict[str, str] = {}  # UPN (lower case) -> object id
        self.policy_granted: set[str] = set()  # object ids
        self._tmp = tempfile.TemporaryDirectory()
        self.ca_bundle, self._key = _self_signed(Path(self._tmp.name))

    def add_user(self, upn: str, *, policy: bool = True) -> str:
        """A tenant user; ``policy`` grants the app's access policy to them."""
        object_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, upn.lower()))
        self.users[upn.lower()] = object_id
        if policy:
            self.policy_granted.add(object_id)
        return object_id

    # --- Outlook: what tests call ------------------------------------------------------
    def authorize(self, auth_uri: str, upn: str) -> dict[str, str]:
        """The user signs in at ``auth_uri`` and consents: the redirect's query (code,
        state). Checks what the authorize endpoint requires of a PKCE request."""
        query = {k: v[0] for k, v in parse_qs(urlparse(auth_uri).query).items()}
        assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256" and query["code_challenge"]
        assert "offline_access" in query["scope"].split()
        self.add_user(upn)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "upn": upn.lower(),
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
        }
        return {"code": code, "state": query["state"]}

    def issue_tokens(self, upn: str) -> tuple[str, str]:
        """An access and a refresh token for ``upn`` (a connection made earlier)."""
        self.add_user(upn)
        return self._new_access(upn.lower()), self._new_refresh(upn.lower())

    def expire_access_tokens(self) -> None:
        self.access.clear()

    def add_event(
        self, upn: str, start: dt.datetime, end: dt.datetime, *, show_as: str = "busy", **extra: Any
    ) -> str:
        """An event the user made in Outlook."""
        event_id = f"AAMk{uuid.uuid4().hex}"
        self.events[event_id] = {
            "id": event_id,
            "owner": upn.lower(),
            "subject": "Busy",
            "start": _graph_time(start),
            "end": _graph_time(end),
            "showAs": show_as,
            "isCancelled": False,
            **extra,
        }
        self._changed(event_id)
        return event_id

    def move_event(self, event_id: str, start: dt.datetime, end: dt.datetime) -> None:
        self.events[event_id].update(start=_graph_time(start), end=_graph_time(end))
        self._changed(event_id)

    def remove_event(self, event_id: str) -> None:
        self.events[event_id]["deleted"] = True
        self._changed(event_id)

    def notify(self, upn: str, change_type: str = "updated") -> list[int]:
        """Deliver a change notification to each subscription of ``upn``'s events."""
        statuses = []
        for sub in list(self.subscriptions.values()):
            if sub["owner"] != upn.lower():
                continue
            body = {
                "value": [
                    {
                        "subscriptionId": sub["id"],
                        "clientState": sub["clientState"],
                        "changeType": change_type,
                        "resource": "Users/x/Events/y",
                        "subscriptionExpirationDateTime": sub["expirationDateTime"],
                        "tenantId": TENANT_ID,
                    }
                ]
            }
            statuses.append(self.deliver(sub["notificationUrl"], body)[0])
        return statuses

    def busy_of(self, upn: str) -> list[dict[str, Any]]:
        return [
            e for e in self.events.values() if e["owner"] == upn.lower() and not e.get("deleted")
        ]

    def start(self) -> FakeGraph:
        super().start()
        assert self._server is not None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_bundle, self._key)
        # Same file descriptor, so the running accept loop keeps polling it.
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        return self

    def stop(self) -> None:
        super().stop()
        self._tmp.cleanup()

    @property
    def url(self) -> str:
        return super().url.replace("http://", "https://", 1)

    @property
    def authority_url(self) -> str:
        return self.url

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == f"/{TENANT_ID}/v2.0/.well-known/openid-configuration":
            base = f"{self.url}/{TENANT_ID}"
            return Response(
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                },
            )
        if path == f"/{TENANT_ID}/oauth2/v2.0/token" and request.method == "POST":
            return self._token(request)
        authorization = request.headers.get("authorization") or ""
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        if token in self.access:
            return self._delegated(request, self.access[token])
        if token not in self.tokens_issued:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        match = re.fullmatch(r"/v1\.0/users/([^/]+)", path)
        if match and request.method == "GET":
            return self._get_user(match.group(1))
        match = re.fullmatch(r"/v1\.0/users/([^/]+)/onlineMeetings(/.*)?", path)
        if match:
            user_id = match.group(1)
            if not GUID.match(user_id) or user_id not in self.users.values():
                return _graph_error(404, "NotFound", f"user {user_id} not found")
            if user_id not in self.policy_granted:
                return _graph_error(
                    403, "Forbidden", "No application access policy found for this app"
                )
            return self._meetings(request, user_id, match.group(2) or "")
        return _graph_error(404, "NotFound", f"no route {request.method} {path}")

    def _get_user(self, key: str) -> Response:
        object_id = key if key in self.users.values() else self.users.get(key.lower())
        if object_id is None:
            return _graph_error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        return Response(200, {"id": object_id})

    def _meetings(self, request: Request, user_id: str, rest: str) -> Response:
        if rest == "" and request.method == "GET":
            return Response(200, {"value": []})  # $filter by JoinWebUrl: none match
        if rest == "/createOrGet" and request.method == "POST":
            body = request.json()
            if not isinstance(body.get("externalId"), str) or not body["externalId"]:
                return _graph_error(400, "BadRequest", "externalId is required")
            for key in ("startDateTime", "endDateTime"):
                if key in body and not ISO.match(str(body[key])):
                    return _graph_error(400, "BadRequest", f"{key} is not ISO 8601")
            for meeting in self.meetings.values():
                if meeting["externalId"] == body["externalId"] and meeting["organizer"] == user_id:
                    return Response(200, meeting)
            meeting_id = f"MSo{len(self.meetings) + 1}_{user_id[:8]}"
            self.meetings[meeting_id] = {
                **body,
                "id": meeting_id,
                "organizer": user_id,
                "joinWebUrl": f"https://teams.example/l/meetup-join/{meeting_id}",
            }
            return Response(201, self.meetings[meeting_id])
        meeting = self.meetings.get(rest.removeprefix("/"))
        if meeting is None or meeting["organizer"] != user_id:
            return _graph_error(404, "NotFound", "meeting not found")
        if request.method == "PATCH":
            body = request.json()
            for key in ("startDateTime", "endDateTime"):
                if key in body and not ISO.match(str(body[key])):
                    return _graph_error(400, "BadRequest", f"{key} is not ISO 8601")
            meeting.update(body)
            return Response(200, meeting)
        if request.method == "DELETE":
            del self.meetings[meeting["id"]]
            return Response(204)
        return _graph_error(405, "MethodNotAllowed", request.method)

    def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return Response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret.",
                },
            )
        if form.get("grant_type") == "authorization_code":
            return self._redeem_code(form)
        if form.get("grant_type") == "refresh_token":
            return self._redeem_refresh(form)
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        token = f"graph-token-{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        return Response(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
        )

    # --- Outlook: tokens ----------------------------------------------------------------
    def _new_access(self, upn: str) -> str:
        token = f"delegated-{secrets.token_hex(8)}"
        self.access[token] = upn
        return token

    def _new_refresh(self, upn: str) -> str:
        token = f"refresh-{secrets.token_hex(8)}"
        self.refresh_tokens[token] = upn
        return token

    def _token_answer(self, upn: str, refresh: str) -> Response:
        return Response(
            200,
            {
                "token_type": "Bearer",
                "scope": "Calendars.ReadWrite OnlineMeetings.ReadWrite User.Read",
                "expires_in": 3599,
                "access_token": self._new_access(upn),
                "refresh_token": refresh,
            },
        )

    def _redeem_code(self, form: dict[str, str]) -> Response:
        grant = self.codes.pop(form.get("code", ""), None)  # a code is redeemed once
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return Response(400, {"error": "invalid_grant", "error_description": "AADSTS70008"})
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return Response(
                400,
                {"error": "invalid_grant", "error_description": "AADSTS501481: code_verifier"},
            )
        return self._token_answer(grant["upn"], self._new_refresh(grant["upn"]))

    def _redeem_refresh(self, form: dict[str, str]) -> Response:
        upn = self.refresh_tokens.get(form.get("refresh_token", ""))
        if upn is None or upn in self.revoked:
            return Response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "AADSTS50173: The provided grant has expired due to "
                    "it being revoked.",
                },
            )
        return self._token_answer(upn, form["refresh_token"])

    # --- Outlook: /me and /subscriptions ------------------------------------------------
    def _delegated(self, request: Request, upn: str) -> Response:
        path, method = request.path.removeprefix("/v1.0"), request.method
        if path == "/me" and method == "GET":
            return Response(200, {"id": self.users[upn], "mail": upn, "userPrincipalName": upn})
        if path == "/me/calendars" and method == "GET":
            return Response(
                200, {"value": [{"id": f"cal-{self.users[upn][:8]}", "name": "Calendar"}]}
            )
        if path == "/me/calendar/getSchedule" and method == "POST":
            return self._schedule(request.json())
        if path == "/me/calendarView/delta" and method == "GET":
            return self._delta(request, upn)
        if path == "/me/events" and method in ("GET", "POST"):
            return (
                self._create(request.json(), upn) if method == "POST" else self._list(request, upn)
            )
        match = re.fullmatch(r"/me/events/([^/]+)", path)
        if match:
            return self._event(request, upn, match.group(1))
        if path == "/subscriptions" and method == "POST":
            return self._subscribe(request.json(), upn)
        match = re.fullmatch(r"/subscriptions/([^/]+)", path)
        if match and method == "DELETE":
            if self.subscriptions.pop(match.group(1), None) is None:
                return _graph_error(404, "ResourceNotFound", "subscription not found")
            return Response(204)
        return _graph_error(404, "NotFound", f"no route {method} {path}")

    def _schedule(self, body: dict[str, Any]) -> Response:
        schedules = body.get("schedules")
        start, end = _utc(body.get("startTime")), _utc(body.get("endTime"))
        interval = body.get("availabilityViewInterval", 30)
        if not isinstance(schedules, list) or not all(isinstance(s, str) for s in schedules):
            return _graph_error(400, "ErrorInvalidParameter", "schedules must be strings")
        if not schedules or len(schedules) > 20:
            return _graph_error(400, "ErrorInvalidParameter", "1 to 20 schedules per request")
        if start is None or end is None or not start < end <= start + dt.timedelta(days=62):
            return _graph_error(400, "ErrorInvalidParameter", "bad startTime/endTime (≤ 62 days)")
        if not isinstance(interval, int) or not 5 <= interval <= 1440:
            return _graph_error(400, "ErrorInvalidParameter", "availabilityViewInterval 5-1440")
        value = []
        for address in schedules:
            if address.lower() not in self.users:
                value.append(
                    {
                        "scheduleId": address,
                        "error": {
                            "message": "not found",
                            "responseCode": "ErrorMailRecipientNotFound",
                        },
                    }
                )
                continue
            items = [
                {"status": e["showAs"], "start": e["start"], "end": e["end"]}
                for e in self.busy_of(address)
                if _utc(e["start"]) < end and _utc(e["end"]) > start
            ]
            value.append({"scheduleId": address, "availabilityView": "0", "scheduleItems": items})
        return Response(200, {"value": value})

    def _changed(self, event_id: str) -> None:
        self.changes.append((len(self.changes) + 1, event_id))

    def _validate_event(self, body: dict[str, Any], *, create: bool) -> str:
        if create and not isinstance(body.get("subject"), str):
            return "subject is required"
        for key in ("start", "end"):
            if (create or key in body) and _utc(body.get(key)) is None:
                return f"{key} must be a dateTimeTimeZone"
        for attendee in body.get("attendees", []):
            address = (attendee.get("emailAddress") or {}).get("address")
            if not isinstance(address, str) or "@" not in address:
                return "attendees[].emailAddress.address is required"
        provider = body.get("onlineMeetingProvider")
        if provider is not None and provider not in ONLINE_PROVIDERS:
            return f"onlineMeetingProvider {provider!r}"
        return ""

    def _with_meeting(self, event: dict[str, Any]) -> None:
        if event.get("isOnlineMeeting") and not event.get("onlineMeeting"):
            event["onlineMeeting"] = {
                "joinUrl": f"https://teams.microsoft.com/l/meetup-join/{event['id']}"
            }

    def _create(self, body: dict[str, Any], upn: str) -> Response:
        error = self._validate_event(body, create=True)
        if error:
            return _graph_error(400, "ErrorInvalidRequest", error)
        transaction = body.get("transactionId")
        for event in self.busy_of(upn):
            if transaction and event.get("transactionId") == transaction:
                return Response(201, event)  # the retried POST: the first event
        event_id = f"AAMk{uuid.uuid4().hex}"
        event = {"showAs": "busy", "isCancelled": False, **body, "id": event_id, "owner": upn}
        self._with_meeting(event)
        self.events[event_id] = event
        self._changed(event_id)
        return Response(201, event)

    def _list(self, request: Request, upn: str) -> Response:
        wanted = (request.query.get("$filter") or [""])[0]
        match = re.fullmatch(r"transactionId eq '([^']*)'", wanted)
        if wanted and not match:
            return _graph_error(400, "ErrorInvalidUrlQueryFilter", f"unsupported $filter {wanted}")
        found = [
            e for e in self.busy_of(upn) if not match or e.get("transactionId") == match.group(1)
        ]
        return Response(200, {"value": found})

    def _event(self, request: Request, upn: str, event_id: str) -> Response:
        event = self.events.get(event_id)
        if event is None or event["owner"] != upn or event.get("deleted"):
            return _graph_error(404, "ErrorItemNotFound", "The specified object was not found.")
        if request.method == "DELETE":
            self.remove_event(event_id)
            return Response(204)
        if request.method != "PATCH":
            return _graph_error(405, "ErrorInvalidRequest", request.method)
        body = request.json()
        error = self._validate_event(body, create=False)
        if error:
            return _graph_error(400, "ErrorInvalidRequest", error)
        event.update(body)
        self._with_meeting(event)
        self._changed(event_id)
        return Response(200, event)

    def _delta(self, request: Request, upn: str) -> Response:
        query = {k: v[0] for k, v in request.query.items()}
        if "$deltatoken" in query:
            if self.delta_expired:
                return _graph_error(410, "SyncStateNotFound", "The sync state is not found.")
            since = int(query["$deltatoken"])
            ids = list(dict.fromkeys(i for seq, i in self.changes if seq > since))
            events = [self.events[i] for i in ids if self.events[i]["owner"] == upn]
        elif "$skiptoken" in query:
            events = self._pages.get(query["$skiptoken"], [])
        else:
            if _utc({"dateTime": query.get("startDateTime", "")[:19], "timeZone": "UTC"}) is None:
                return _graph_error(400, "ErrorInvalidParameter", "startDateTime is required")
            if "endDateTime" not in query:
                return _graph_error(400, "ErrorInvalidParameter", "endDateTime is required")
            events = [e for e in self.busy_of(upn)]
        page, rest = events[: self.page_size], events[self.page_size :]
        value = [
            {"id": e["id"], "@removed": {"reason": "deleted"}}
            if e.get("deleted")
            else {k: v for k, v in e.items() if k != "owner"}
            for e in page
        ]
        base = f"{self.graph_url}/me/calendarView/delta"
        if rest:
            token = secrets.token_hex(4)
            self._pages[token] = rest
            return Response(200, {"value": value, "@odata.nextLink": f"{base}?$skiptoken={token}"})
        link = f"{base}?{urlencode({'$deltatoken': len(self.changes)})}"
        return Response(200, {"value": value, "@odata.deltaLink": link})

    def _subscribe(self, body: dict[str, Any], upn: str) -> Response:
        kinds = set(str(body.get("changeType", "")).split(","))
        url = str(body.get("notificationUrl", ""))
        state = body.get("clientState", "")
        try:
            expires = dt.datetime.fromisoformat(
                str(body["expirationDateTime"]).replace("Z", "+00:00")
            )
        except (KeyError, ValueError):
            return _graph_error(400, "ExtensionError", "expirationDateTime is required")
        now = dt.datetime.now(dt.UTC)
        if not kinds or not kinds <= CHANGE_TYPES:
            return _graph_error(400, "ExtensionError", "changeType: created, updated, deleted")
        if not url.startswith("https://") or body.get("resource") != "me/events":
            return _graph_error(400, "ExtensionError", "notificationUrl https, resource me/events")
        if not now < expires <= now + MAX_SUBSCRIPTION:
            return _graph_error(
                400,
                "ExtensionError",
                "Subscription expiration can only be 10070 minutes in the future.",
            )
        if not isinstance(state, str) or len(state) > 128:
            return _graph_error(400, "ExtensionError", "clientState ≤ 128 characters")
        token = secrets.token_urlsafe(12)
        status, content_type, text = self.deliver(
            f"{url}?{urlencode({'validationToken': token})}", None
        )
        if status != 200 or not content_type.startswith("text/plain") or text != token:
            return _graph_error(
                400,
                "ValidationError",
                f"Subscription validation request failed. Response must exactly match "
                f"validationToken query parameter (got {status} {content_type!r}).",
            )
        sub_id = str(uuid.uuid4())
        self.subscriptions[sub_id] = {
            "id": sub_id,
            "owner": upn,
            "resource": "me/events",
            "changeType": body["changeType"],
            "notificationUrl": url,
            "clientState": state,
            "expirationDateTime": expires.isoformat().replace("+00:00", "Z"),
        }
        return Response(201, {k: v for k, v in self.subscriptions[sub_id].items() if k != "owner"})
