"""Outlook / Microsoft 365 calendars through Microsoft Graph v1.0 with a seller's delegated
tokens (``requests``; msal refreshes the access token).

- Busy time: ``POST /me/calendar/getSchedule`` ("calendar: getSchedule"). The reference page
  gives no limit on schedules per call or on the range; Exchange's availability service is
  known to refuse more than 20 mailboxes and more than 62 days, so asks are cut to that.
  ``availabilityViewInterval`` (5–1440 minutes) is set to its maximum: only
  ``scheduleItems`` (exact start/end, status) are read.
- Events: ``POST/PATCH/DELETE /me/events`` ("Create event": ``transactionId`` makes a retried
  POST return the first event instead of a second one). Our key also rides in
  ``transactionId`` (``meetroute-<booking>``), which events keep and delta returns, so a
  lost Graph id is found again and the sync skips our own events. A Teams link:
  ``isOnlineMeeting`` + ``onlineMeetingProvider: teamsForBusiness``.
- Changes: ``GET /me/calendarView/delta`` ("event: delta") paged by ``@odata.nextLink`` up
  to an ``@odata.deltaLink`` (stored as the sync token); a stale one answers 410.
- Notifications: ``POST /subscriptions`` on ``me/events`` with a ``clientState``; an Outlook
  event subscription lives at most 10,080 minutes ("subscription resource type", maximum
  length); renewal is a new subscription, the old one deleted.

Errors: 429/5xx/timeouts → ProviderTransientError; a refresh answered ``invalid_grant`` (or a
401 with a freshly refreshed token) → GrantRevoked; other 4xx → ``GraphError`` (permanent).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

import msal
import requests
from django.conf import settings
from django.utils import timezone as django_timezone

from integrations.calendar.base import (
    BusyBlock,
    CalendarInfo,
    Channel,
    EventChange,
    EventRef,
    EventSpec,
    FreeBusy,
    GrantRevoked,
    ProviderPermanentError,
    ProviderTransientError,
    SyncPage,
    SyncTokenExpired,
    Tokens,
)
from integrations.provider_http import raise_for_status, transport_errors

PROVIDER = "outlook_calendar"
SCOPES = ("Calendars.ReadWrite", "OnlineMeetings.ReadWrite", "User.Read")
MAX_SCHEDULES = 20
MAX_DAYS = 62
VIEW_INTERVAL = 1440
MAX_SUBSCRIPTION = dt.timedelta(minutes=10080)
TRANSACTION_PREFIX = "meetroute-"
FREE = {"free", "workingElsewhere"}
# Our event key (a booking id's hex); Graph's ids are long base64 strings.
OUR_KEY = re.compile(r"[0-9a-f]{32}")


class GraphError(ProviderPermanentError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(PROVIDER, f"HTTP {status}: {message}")
        self.status = status


def configured() -> bool:
    return bool(settings.OUTLOOK_CLIENT_ID and settings.OUTLOOK_CLIENT_SECRET)


def msal_app(timeout: float | None = None) -> msal.ConfidentialClientApplication:
    """The app registration as msal sees it (its authority: ``OUTLOOK_TENANT``)."""
    with transport_errors(PROVIDER):
        return msal.ConfidentialClientApplication(
            settings.OUTLOOK_CLIENT_ID,
            client_credential=settings.OUTLOOK_CLIENT_SECRET,
            authority=f"{settings.MS_AUTHORITY_URL.rstrip('/')}/{settings.OUTLOOK_TENANT}",
            validate_authority=False,
            instance_discovery=False,
            timeout=timeout or settings.PROVIDER_TIMEOUT,
        )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _parse(value: dict[str, str]) -> dt.datetime:
    """A Graph ``dateTimeTimeZone`` asked in UTC (7 fraction digits: cut to Python's 6)."""
    text = value["dateTime"]
    head, _, fraction = text.partition(".")
    moment = dt.datetime.fromisoformat(f"{head}.{fraction[:6]}" if fraction else head)
    return moment.replace(tzinfo=dt.UTC)


def _windows(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    step, out = dt.timedelta(days=MAX_DAYS), []
    while start < end:
        out.append((start, min(start + step, end)))
        start += step
    return out


class OutlookCalendar:
    """One Microsoft 365 account's calendar. ``on_tokens`` hears of refreshed tokens."""

    def __init__(
        self,
        tokens: Tokens,
        *,
        timeout: float | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
    ) -> None:
        self.tokens = tokens
        self.timeout = timeout if timeout is not None else settings.PROVIDER_TIMEOUT
        self.graph = settings.MS_GRAPH_URL.rstrip("/")
        self._on_tokens = on_tokens
        self.session = requests.Session()

    # --- tokens -------------------------------------------------------------------------
    def _refresh(self) -> str:
        with transport_errors(PROVIDER):
            result = msal_app(self.timeout).acquire_token_by_refresh_token(
                self.tokens.refresh_token, scopes=list(SCOPES)
            )
        if "access_token" not in result:
            error = str(result.get("error") or "unknown")
            message = f"token refresh: {error}: {result.get('error_description', '')}"[:300]
            if error in ("invalid_grant", "interaction_required"):
                raise GrantRevoked(PROVIDER, message)
            raise ProviderTransientError(PROVIDER, message)
        expires = django_timezone.now() + dt.timedelta(seconds=int(result.get("expires_in", 3600)))
        self.tokens = Tokens(
            access_token=result["access_token"],
            refresh_token=result.get("refresh_token") or self.tokens.refresh_token,
            expires_at=expires,
            scopes=self.tokens.scopes,
        )
        if self._on_tokens is not None:
            self._on_tokens(self.tokens)
        return self.tokens.access_token

    def _access_token(self) -> str:
        soon = django_timezone.now() + dt.timedelta(minutes=1)
        expires = self.tokens.expires_at
        if self.tokens.access_token and (expires is None or expires > soon):
            return self.tokens.access_token
        return self._refresh()

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One Graph call; a 401 refreshes the token once, a second 401 means no grant."""
        url = url if url.startswith(("https://", "http://")) else self.graph + url
        token = self._access_token()
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'}
            with transport_errors(PROVIDER):
                response = self.session.request(
                    method, url, headers=headers, timeout=self.timeout, **kwargs
                )
            if response.status_code != 401:
                break
            if attempt == 2:
                raise GrantRevoked(PROVIDER, f"401 after a token refresh: {response.text[:200]}")
            token = self._refresh()
        if response.status_code >= 400:
            if response.status_code in (408, 429) or response.status_code >= 500:
                raise_for_status(
                    PROVIDER, response.status_code, response.text[:300], response.headers
                )
            raise GraphError(response.status_code, response.text[:300])
        return response

    # --- events -------------------------------------------------------------------------
    def _events_path(self, calendar_id: str) -> str:
        return (
            "/me/events"
            if calendar_id in ("", "primary")
            else f"/me/calendars/{calendar_id}/events"
        )

    def _find(self, key: str) -> dict[str, Any] | None:
        """Our event by its transactionId (after a crash lost Graph's id). The reference
        does not say this filter is supported: a refusal (400) leaves the POST's own
        transactionId dedup to keep creation single."""
        query = {"$filter": f"transactionId eq '{TRANSACTION_PREFIX}{key}'", "$top": "1"}
        try:
            answer = self._call("GET", "/me/events", params=query).json()
        except GraphError as exc:
            if exc.status != 400:
                raise
            return None
        found = answer.get("value") or []
        return found[0] if found else None

    def create_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        key = spec.booking_ref or event_id
        existing = self._find(key)
        if existing is not None:
            return self._patch(existing["id"], spec)
        body = {**_event_body(spec), "transactionId": f"{TRANSACTION_PREFIX}{key}"}
        return _ref(self._call("POST", self._events_path(calendar_id), json=body).json())

    def update_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        graph_id = self._graph_id(event_id)
        if graph_id:
            try:
                return self._patch(graph_id, spec)
            except GraphError as exc:
                if exc.status not in (404, 410):
                    raise
        return self.create_event(calendar_id, event_id, spec)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        graph_id = self._graph_id(event_id)
        if not graph_id:
            return
        try:
            self._call("DELETE", f"/me/events/{graph_id}")
        except GraphError as exc:
            if exc.status not in (404, 410):  # already gone: the cancel is done
                raise

    def _graph_id(self, event_id: str) -> str:
        """Graph's id for ``event_id``: itself, unless it is still our own key (32 hex
        digits: a job that never learnt Graph's id), then found by transactionId."""
        if not OUR_KEY.fullmatch(event_id):
            return event_id
        found = self._find(event_id)
        return found["id"] if found else ""

    def _patch(self, graph_id: str, spec: EventSpec) -> EventRef:
        return _ref(self._call("PATCH", f"/me/events/{graph_id}", json=_event_body(spec)).json())

    # --- busy time and changes ----------------------------------------------------------
    def free_busy(
        self, calendar_ids: Sequence[str], start: dt.datetime, end: dt.datetime
    ) -> FreeBusy:
        """Busy blocks of mailboxes (SMTP addresses), ≤ 20 per call, ≤ 62 days per call."""
        blocks: list[BusyBlock] = []
        failed: list[str] = []
        ids = list(calendar_ids)
        for window_start, window_end in _windows(start, end):
            for index in range(0, len(ids), MAX_SCHEDULES):
                body = {
                    "schedules": ids[index : index + MAX_SCHEDULES],
                    "startTime": {"dateTime": _iso(window_start), "timeZone": "UTC"},
                    "endTime": {"dateTime": _iso(window_end), "timeZone": "UTC"},
                    "availabilityViewInterval": VIEW_INTERVAL,
                }
                answer = self._call("POST", "/me/calendar/getSchedule", json=body).json()
                for info in answer.get("value", []):
                    if info.get("error"):
                        failed.append(info["scheduleId"])
                        continue
                    blocks.extend(
                        BusyBlock(info["scheduleId"], _parse(item["start"]), _parse(item["end"]))
                        for item in info.get("scheduleItems", [])
                        if item.get("status") not in FREE
                    )
        return FreeBusy(tuple(blocks), tuple(sorted(set(failed))))

    def list_changes(self, calendar_id: str, *, sync_token: str, time_min: dt.datetime) -> SyncPage:
        """The default calendar's changes since the delta link ``sync_token``, or a full
        listing of [time_min, +CALENDAR_SYNC_DAYS) when it is empty."""
        if sync_token:
            url, params = sync_token, None
        else:
            url = "/me/calendarView/delta"
            until = time_min + dt.timedelta(days=settings.CALENDAR_SYNC_DAYS)
            params = {"startDateTime": _iso(time_min) + "Z", "endDateTime": _iso(until) + "Z"}
        changes: list[EventChange] = []
        while True:
            try:
                answer = self._call("GET", url, params=params).json()
            except GraphError as exc:
                if exc.status == 410:
                    raise SyncTokenExpired(
                        PROVIDER, "delta link expired; full sync needed"
                    ) from exc
                raise
            changes.extend(_change(event) for event in answer.get("value", []))
            if "@odata.nextLink" in answer:
                url, params = answer["@odata.nextLink"], None
                continue
            return SyncPage(tuple(changes), answer.get("@odata.deltaLink", ""), not sync_token)

    # --- subscriptions ------------------------------------------------------------------
    def watch(
        self, calendar_id: str, *, channel_id: str, token: str, address: str, ttl_seconds: int
    ) -> Channel:
        """Subscribe to ``me/events`` (Graph names the subscription: ``channel_id`` unused).
        Graph first calls ``address`` with a validationToken it must echo."""
        lifetime = min(
            dt.timedelta(seconds=ttl_seconds), MAX_SUBSCRIPTION - dt.timedelta(minutes=5)
        )
        body = {
            "changeType": "created,updated,deleted",
            "notificationUrl": address,
            "resource": "me/events",
            "expirationDateTime": _iso(django_timezone.now() + lifetime) + "Z",
            "clientState": token,
        }
        answer = self._call("POST", "/subscriptions", json=body).json()
        expires = dt.datetime.fromisoformat(answer["expirationDateTime"].replace("Z", "+00:00"))
        return Channel(answer["id"], answer.get("resource", "me/events"), expires)

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        try:
            self._call("DELETE", f"/subscriptions/{channel_id}")
        except GraphError as exc:
            if exc.status != 404:
                raise

    def calendars(self) -> list[CalendarInfo]:
        """The mailbox's calendars (``GET /me/calendars``, every page), default first."""
        found: list[CalendarInfo] = []
        url, params = "/me/calendars", {"$top": "100"}
        while url:
            answer = self._call("GET", url, params=params).json()
            found += [
                CalendarInfo(entry["id"], entry.get("name") or entry["id"],
                             bool(entry.get("isDefaultCalendar")))
                for entry in answer.get("value", [])
            ]  # fmt: skip
            url, params = answer.get("@odata.nextLink", ""), {}
        return sorted(found, key=lambda c: not c.primary)

    def account_email(self) -> str:
        """The signed-in user's address (``GET /me``): the connection's account."""
        me = self._call("GET", "/me", params={"$select": "mail,userPrincipalName"}).json()
        return me.get("mail") or me["userPrincipalName"]


# --- mapping ---------------------------------------------------------------------------
def _event_body(spec: EventSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": spec.summary,
        "body": {"contentType": "text", "content": spec.description},
        "start": {"dateTime": _iso(spec.start), "timeZone": "UTC"},
        "end": {"dateTime": _iso(spec.end), "timeZone": "UTC"},
        "attendees": [
            {"emailAddress": {"address": a.email, "name": a.name or a.email}, "type": "required"}
            for a in spec.attendees
        ],
    }
    if spec.location:
        body["location"] = {"displayName": spec.location}
    if spec.with_teams:
        body["isOnlineMeeting"] = True
        body["onlineMeetingProvider"] = "teamsForBusiness"
    return body


def _ref(event: dict[str, Any]) -> EventRef:
    meeting = event.get("onlineMeeting") or {}
    return EventRef(
        event_id=event["id"],
        meet_url=meeting.get("joinUrl") or "",
        html_link=event.get("webLink", ""),
    )


def _change(event: dict[str, Any]) -> EventChange:
    if "@removed" in event:
        return EventChange(event["id"], busy=False)
    ours = str(event.get("transactionId") or "").startswith(TRANSACTION_PREFIX)
    busy = (
        not event.get("isCancelled")
        and event.get("showAs") not in FREE
        and not ours
        and "start" in event
        and "end" in event
    )
    if not busy:
        return EventChange(event["id"], busy=False)
    start, end = _parse(event["start"]), _parse(event["end"])
    return EventChange(event["id"], busy=end > start, start=start, end=end)
