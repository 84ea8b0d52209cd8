"""A fake Google: Calendar v3 JSON and the OAuth 2.0 token endpoint, on a real socket.

References: Calendar API v3 "Events: insert" (``id``: base32hex characters a–v and 0–9,
5–1024 long; 409 ``duplicate`` for a taken id; ``conferenceDataVersion=1`` for
``conferenceData.createRequest``), "Events: delete" (410 ``deleted`` once gone), "Events:
list" / "Synchronize resources efficiently" (410 for a stale ``syncToken``), "Freebusy:
query" (at most 50 calendars — ``calendarExpansionMax`` — and a bounded time range),
"CalendarList: list", and "Errors" (developers.google.com/calendar/api/guides/errors).

Enough of the wire format for google-api-python-client and google-auth to run unchanged:
events insert/get/patch/delete/list (sync tokens, 410 on a stale one, paging), freeBusy
(≤ 50 calendars, ≤ 90 days, like Google), events.watch, channels.stop, calendars.get, and
``/token`` with the authorization_code (PKCE checked) and refresh_token grants, and a
service account's JWT bearer grant (RFC 7523; google-auth's ``service_account.Credentials``).

Service accounts: a token minted without a ``sub`` claim (no domain-wide delegation) may not
write ``attendees`` — Calendar answers 403, reason ``forbiddenForServiceAccounts``, "Service
accounts cannot invite attendees without Domain-Wide Delegation of Authority." (the body
quoted in spatie/laravel-google-calendar#159/#229; Google's "Events: insert" page does not
list it) — nor create a Meet conference: 400 "Invalid conference type value." (reported in
googleapis/google-api-nodejs-client#3052; no Google page found that documents the body).
``sub`` in the assertion ("Using OAuth 2.0 for Server to Server Applications", "Delegating
domain-wide authority") lifts both.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import re
import secrets
import threading
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.integrations.fakeserver import FakeProvider, Request, Response

PREFIX = "/calendar/v3/"
EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
MEET = "https://meet.google.com/{}-{}-{}"


def _error(status: int, message: str, reason: str = "") -> Response:
    errors = [{"domain": "global", "reason": reason, "message": message}] if reason else []
    return Response(status, {"error": {"code": status, "message": message, "errors": errors}})


def _instant(value: dict[str, str]) -> dt.datetime:
    if "dateTime" in value:
        return dt.datetime.fromisoformat(value["dateTime"]).astimezone(dt.UTC)
    return dt.datetime.combine(dt.date.fromisoformat(value["date"]), dt.time(), tzinfo=dt.UTC)


def _jwt_claims(assertion: str) -> dict[str, Any]:
    payload = assertion.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class FakeGoogle(FakeProvider):
    def __init__(self, account_email: str = "seller@example.com") -> None:
        super().__init__()
        self.account_email = account_email
        self.client_id = "client-id.apps.googleusercontent.com"
        self.client_secret = "client-secret"
        self.state = threading.RLock()
        self.events: dict[str, dict[str, dict[str, Any]]] = {}
        self.calendar_names: dict[str, str] = {}  # other calendars on the account's list
        self.changed: dict[tuple[str, str], int] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.clock = itertools.count(1)
        self.oldest_valid_sync = 0
        self.codes: dict[str, str] = {}
        self.access_tokens: dict[str, dt.datetime] = {}
        self.refresh_tokens: dict[str, bool] = {}
        self.meet_pending = False
        self.jwt_grants = 0
        self.undelegated_tokens: set[str] = set()  # service-account tokens without ``sub``
        self.jwt_subjects: list[str | None] = []

    # --- test helpers ----------------------------------------------------------------
    @property
    def api_endpoint(self) -> str:
        return self.url + PREFIX

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    def authorize(self, code_challenge: str) -> str:
        """What Google's consent screen does: an authorization code bound to the challenge."""
        code = "4/" + secrets.token_urlsafe(16)
        with self.state:
            self.codes[code] = code_challenge
        return code

    def grant(self, *, lifetime: int = 3600) -> tuple[str, str]:
        """A valid (access, refresh) pair, as if the seller had connected earlier."""
        with self.state:
            access, refresh = self._issue(lifetime)
            self.refresh_tokens[refresh] = True
        return access, refresh

    def expire_access_tokens(self) -> None:
        with self.state:
            for token in self.access_tokens:
                self.access_tokens[token] = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)

    def revoke(self, refresh_token: str) -> None:
        with self.state:
            self.refresh_tokens[refresh_token] = False
            self.access_tokens.clear()

    def expire_sync_tokens(self) -> None:
        with self.state:
            self.oldest_valid_sync = next(self.clock)

    def put_event(
        self,
        calendar_id: str,
        start: dt.datetime,
        end: dt.datetime,
        *,
        event_id: str = "",
        **extra: Any,
    ) -> str:
        """An event the seller made in Google Calendar themselves."""
        event_id = event_id or secrets.token_hex(10)
        with self.state:
            self._store(
                calendar_id,
                {
                    "id": event_id,
                    "status": "confirmed",
                    "summary": "Busy",
                    "start": {"dateTime": _rfc3339(start)},
                    "end": {"dateTime": _rfc3339(end)},
                    **extra,
                },
            )
        return event_id

    def move_event(
        self, calendar_id: str, event_id: str, start: dt.datetime, end: dt.datetime
    ) -> None:
        with self.state:
            event = dict(self.events[calendar_id][event_id])
            event["start"], event["end"] = (
                {"dateTime": _rfc3339(start)},
                {"dateTime": _rfc3339(end)},
            )
            self._store(calendar_id, event)

    def remove_event(self, calendar_id: str, event_id: str) -> None:
        with self.state:
            self._store(calendar_id, {**self.events[calendar_id][event_id], "status": "cancelled"})

    def live_events(self, calendar_id: str) -> list[dict[str, Any]]:
        with self.state:
            return [
                e for e in self.events.get(calendar_id, {}).values() if e["status"] != "cancelled"
            ]

    def calls(self, method: str, path_suffix: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    # --- wire format -----------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        with self.state:
            if request.path == "/token":
                return self._token(request)
            if not request.path.startswith(PREFIX):
                return _error(404, "Not Found", "notFound")
            if not self._authorized(request):
                return _error(401, "Invalid Credentials", "authError")
            parts = [unquote(p) for p in request.path[len(PREFIX) :].split("/") if p]
            return self._api(request, parts)

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        expires = self.access_tokens.get(token)
        return expires is not None and expires > dt.datetime.now(dt.UTC)

    def _issue(self, lifetime: int = 3600) -> tuple[str, str]:
        access = "ya29." + secrets.token_urlsafe(16)
        self.access_tokens[access] = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lifetime)
        return access, "1//" + secrets.token_urlsafe(16)

    def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            # A service account's signed assertion (the fake does not check the signature).
            if form.get("assertion", "").count(".") != 2:
                return Response(400, {"error": "invalid_grant"})
            self.jwt_grants += 1
            claims = _jwt_claims(form["assertion"])
            access, _ = self._issue()
            self.jwt_subjects.append(claims.get("sub"))
            if not claims.get("sub"):
                self.undelegated_tokens.add(access)
            return Response(
                200, {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}
            )
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):  # client authentication as RFC 6749 prefers it
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            form.setdefault("client_id", unquote(client_id))
            form.setdefault("client_secret", unquote(secret))
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return Response(401, {"error": "invalid_client"})
        scope = " ".join(
            (
                "https://www.googleapis.com/auth/calendar.events",
                "https://www.googleapis.com/auth/calendar.readonly",
            )
        )
        if form.get("grant_type") == "authorization_code":
            challenge = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            computed = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            if challenge is None or computed != challenge:
                return Response(400, {"error": "invalid_grant", "error_description": "Bad code"})
            access, refresh = self._issue()
            self.refresh_tokens[refresh] = True
            return Response(
                200,
                {
                    "access_token": access,
                    "refresh_token": refresh,
                    "expires_in": 3599,
                    "scope": scope,
                    "token_type": "Bearer",
                },
            )
        if form.get("grant_type") == "refresh_token":
            if not self.refresh_tokens.get(form.get("refresh_token", "")):
                return Response(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                )
            access, _ = self._issue()
            return Response(
                200,
                {
                    "access_token": access,
                    "expires_in": 3599,
                    "scope": scope,
                    "token_type": "Bearer",
                },
            )
        return Response(400, {"error": "unsupported_grant_type"})

    def _api(self, request: Request, parts: list[str]) -> Response:
        method = request.method
        refused = self._refused_for_service_account(request, parts)
        if refused:
            return refused
        if parts == ["users", "me", "calendarList"] and method == "GET":
            return Response(
                200,
                {
                    "kind": "calendar#calendarList",
                    "items": [
                        {
                            "kind": "calendar#calendarListEntry",
                            "id": self.account_email,
                            "summary": self.account_email,
                            "primary": True,
                        },
                        *(
                            {"kind": "calendar#calendarListEntry", "id": cid, "summary": name}
                            for cid, name in sorted(self.calendar_names.items())
                        ),
                    ],
                },
            )
        if parts == ["freeBusy"] and method == "POST":
            return self._free_busy(request.json())
        if parts == ["channels", "stop"] and method == "POST":
            body = request.json()
            if self.channels.pop(body.get("id"), None) is None:
                return _error(404, "Channel not found", "notFound")
            return Response(204)
        if len(parts) == 2 and parts[0] == "calendars" and method == "GET":
            calendar_id = self.account_email if parts[1] == "primary" else parts[1]
            return Response(200, {"kind": "calendar#calendar", "id": calendar_id})
        if len(parts) >= 3 and parts[0] == "calendars" and parts[2] == "events":
            calendar_id = parts[1]
            if len(parts) == 3:
                if method == "POST":
                    return self._insert(calendar_id, request)
                if method == "GET":
                    return self._list(calendar_id, request.query)
            if len(parts) == 4 and parts[3] == "watch" and method == "POST":
                return self._watch(calendar_id, request.json())
            if len(parts) == 4:
                return self._event(calendar_id, parts[3], request)
        return _error(404, "Not Found", "notFound")

    def _refused_for_service_account(self, request: Request, parts: list[str]) -> Response | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        writes = request.method in ("POST", "PATCH", "PUT") and parts[-1:] != ["watch"]
        if token not in self.undelegated_tokens or not writes or "events" not in parts:
            return None
        body = request.json() or {}
        if body.get("attendees"):
            message = (
                "Service accounts cannot invite attendees without Domain-Wide Delegation "
                "of Authority."
            )
            return Response(
                403,
                {
                    "error": {
                        "errors": [
                            {
                                "domain": "calendar",
                                "reason": "forbiddenForServiceAccounts",
                                "message": message,
                            }
                        ],
                        "code": 403,
                        "message": message,
                    }
                },
            )
        if (body.get("conferenceData") or {}).get("createRequest"):
            return _error(400, "Invalid conference type value.", "invalid")
        return None

    def _store(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        event = {
            **event,
            "kind": "calendar#event",
            "htmlLink": f"https://www.google.com/calendar/event?eid={event['id']}",
            "updated": _rfc3339(dt.datetime.now(dt.UTC)),
        }
        self.events.setdefault(calendar_id, {})[event["id"]] = event
        self.changed[(calendar_id, event["id"])] = next(self.clock)
        return event

    def _conference(self, event: dict[str, Any], body: dict[str, Any], version: str) -> None:
        create = (body.get("conferenceData") or {}).get("createRequest")
        if version != "1" or not create or event.get("conferenceData", {}).get("conferenceId"):
            return
        if self.meet_pending:
            pending = {**create, "status": {"statusCode": "pending"}}
            event["conferenceData"] = {"createRequest": pending}
            return
        code = hashlib.sha256(create["requestId"].encode()).hexdigest()
        uri = MEET.format(code[:3], code[3:7], code[7:10])
        event["hangoutLink"] = uri
        event["conferenceData"] = {
            "createRequest": {**create, "status": {"statusCode": "success"}},
            "conferenceId": f"{code[:3]}-{code[3:7]}-{code[7:10]}",
            "entryPoints": [{"entryPointType": "video", "uri": uri}],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
        }

    def _insert(self, calendar_id: str, request: Request) -> Response:
        body = request.json()
        event_id = body.get("id") or secrets.token_hex(13)
        if not EVENT_ID.match(event_id):
            return _error(400, "Invalid resource id value.", "invalid")
        if event_id in self.events.get(calendar_id, {}):
            return _error(409, "The requested identifier already exists.", "duplicate")
        event = {k: v for k, v in body.items() if k != "conferenceData"}
        event.update(id=event_id, status=body.get("status", "confirmed"))
        self._conference(event, body, request.query.get("conferenceDataVersion", ["0"])[0])
        return Response(200, self._store(calendar_id, event))

    def _event(self, calendar_id: str, event_id: str, request: Request) -> Response:
        event = self.events.get(calendar_id, {}).get(event_id)
        if event is None:
            return _error(404, "Not Found", "notFound")
        if request.method == "GET":
            return Response(200, event)
        if request.method == "DELETE":
            if event["status"] == "cancelled":
                return _error(410, "Resource has been deleted", "deleted")
            self._store(calendar_id, {**event, "status": "cancelled"})
            return Response(204)
        if request.method == "PATCH":
            body = request.json()
            patched = {**event, **{k: v for k, v in body.items() if k != "conferenceData"}}
            self._conference(patched, body, request.query.get("conferenceDataVersion", ["0"])[0])
            return Response(200, self._store(calendar_id, patched))
        return _error(405, "Method not allowed")

    def _list(self, calendar_id: str, query: dict[str, list[str]]) -> Response:
        arg = {k: v[0] for k, v in query.items()}
        sync_token = arg.get("syncToken")
        events = self.events.get(calendar_id, {})
        if sync_token:
            if "timeMin" in arg or "timeMax" in arg:
                return _error(400, "Sync token cannot be used with other request restrictions.")
            since = int(sync_token.removeprefix("sync-"))
            if since < self.oldest_valid_sync:
                return _error(
                    410,
                    "Sync token is no longer valid, a full sync is required.",
                    "fullSyncRequired",
                )
            items = [e for e in events.values() if self.changed[(calendar_id, e["id"])] > since]
        else:
            time_min = dt.datetime.fromisoformat(arg["timeMin"]) if "timeMin" in arg else None
            items = [
                e
                for e in events.values()
                if e["status"] != "cancelled"
                and (time_min is None or _instant(e["end"]) > time_min)
            ]
        items.sort(key=lambda e: self.changed[(calendar_id, e["id"])])
        size = int(arg.get("maxResults", 250))
        offset = int(arg.get("pageToken", "0"))
        page = items[offset : offset + size]
        answer: dict[str, Any] = {
            "kind": "calendar#events",
            "timeZone": "UTC",
            "items": page,
        }
        if offset + size < len(items):
            answer["nextPageToken"] = str(offset + size)
        else:
            answer["nextSyncToken"] = f"sync-{next(self.clock)}"
        return Response(200, answer)

    def _free_busy(self, body: dict[str, Any]) -> Response:
        items = body.get("items", [])
        start = dt.datetime.fromisoformat(body["timeMin"])
        end = dt.datetime.fromisoformat(body["timeMax"])
        if len(items) > 50:
            return _error(400, "Too many calendars requested.", "tooManyCalendarsRequested")
        if end - start > dt.timedelta(days=90):
            return _error(400, "The requested time range is too long.", "timeRangeTooLong")
        calendars: dict[str, Any] = {}
        known = {"primary", self.account_email, *self.events, *self.calendar_names}
        for item in items:
            calendar_id = item["id"]
            if calendar_id not in known:
                calendars[calendar_id] = {"errors": [{"domain": "global", "reason": "notFound"}]}
                continue
            busy = []
            for event in self.events.get(calendar_id, {}).values():
                if event["status"] == "cancelled" or event.get("transparency") == "transparent":
                    continue
                event_start, event_end = _instant(event["start"]), _instant(event["end"])
                if event_start < end and event_end > start:
                    busy.append(
                        {
                            "start": _rfc3339(max(event_start, start)),
                            "end": _rfc3339(min(event_end, end)),
                        }
                    )
            calendars[calendar_id] = {"busy": sorted(busy, key=lambda b: b["start"])}
        return Response(
            200,
            {
                "kind": "calendar#freeBusy",
                "timeMin": body["timeMin"],
                "timeMax": body["timeMax"],
                "calendars": calendars,
            },
        )

    def _watch(self, calendar_id: str, body: dict[str, Any]) -> Response:
        ttl = int((body.get("params") or {}).get("ttl", "604800"))
        expiration = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl)
        channel = {
            "kind": "api#channel",
            "id": body["id"],
            "resourceId": "res-" + secrets.token_hex(6),
            "resourceUri": f"{PREFIX}calendars/{calendar_id}/events",
            "token": body.get("token", ""),
            "address": body["address"],
            "expiration": str(int(expiration.timestamp() * 1000)),
        }
        self.channels[body["id"]] = channel
        return Response(200, channel)
