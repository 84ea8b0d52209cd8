"""Google Calendar v3 through google-api-python-client, with explicit timeouts.

Every request goes through ``httplib2.Http(timeout=…)`` authorised by google-auth
credentials (user OAuth tokens or a service account), so a hanging Google costs at most the
timeout. The API endpoint and the token endpoint come from settings
(``GOOGLE_API_ENDPOINT``, ``GOOGLE_TOKEN_URI``) so tests point the real client at a fake.

Errors: 429, 5xx, 403 rate limits, timeouts and connection errors → ProviderTransientError
(with Retry-After when given); other 4xx → ``GoogleApiError`` (permanent); a refresh
answered ``invalid_grant`` → ``GrantRevoked``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from django.conf import settings
from google.auth.credentials import Credentials as BaseCredentials
from google.oauth2.credentials import Credentials as UserCredentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from integrations.calendar.base import (
    BOOKING_PROPERTY,
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

logger = logging.getLogger(__name__)

PROVIDER = "google_calendar"
SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.readonly",
)
TRANSIENT_STATUSES = {408, 429, 500, 502, 503, 504}
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


class GoogleApiError(ProviderPermanentError):
    """A 4xx answer that retrying will not fix; ``status`` lets callers treat 404/409/410."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(PROVIDER, f"HTTP {status}: {message}")
        self.status = status


def user_credentials(tokens: Tokens) -> UserCredentials:
    """google-auth credentials for a seller's OAuth tokens (refreshable on expiry)."""
    expiry = (
        tokens.expires_at.astimezone(dt.UTC).replace(tzinfo=None) if tokens.expires_at else None
    )
    return UserCredentials(
        token=tokens.access_token or None,
        refresh_token=tokens.refresh_token or None,
        token_uri=settings.GOOGLE_TOKEN_URI,
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        scopes=list(tokens.scopes) or list(SCOPES),
        expiry=expiry,
    )


class GoogleCalendar:
    """One Google account's calendars. ``on_tokens`` is told whenever the access token was
    refreshed, so the caller can store the new one (encrypted)."""

    def __init__(
        self,
        credentials: BaseCredentials,
        *,
        timeout: float | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
    ) -> None:
        self.timeout = timeout if timeout is not None else settings.GOOGLE_TIMEOUT
        self._credentials = credentials
        self._on_tokens = on_tokens
        self._last_token = credentials.token
        http = google_auth_httplib2.AuthorizedHttp(
            credentials, http=httplib2.Http(timeout=self.timeout)
        )
        self._service = build(
            "calendar",
            "v3",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": settings.GOOGLE_API_ENDPOINT},
        )

    # --- events ------------------------------------------------------------------------
    def create_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        events = self._service.events()
        body = {"id": event_id, **_event_body(spec, with_conference=spec.with_meet)}
        try:
            event = self._execute(
                events.insert(
                    calendarId=calendar_id,
                    body=body,
                    conferenceDataVersion=1 if spec.with_meet else 0,
                    sendUpdates="none",
                )
            )
        except GoogleApiError as exc:
            if exc.status != 409:
                raise
            # Already created by an earlier run of this job: bring it to the spec instead.
            return self._patch(calendar_id, event_id, spec)
        return _ref(event)

    def update_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        try:
            return self._patch(calendar_id, event_id, spec)
        except GoogleApiError as exc:
            if exc.status not in (404, 410):
                raise
        return self.create_event(calendar_id, event_id, spec)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        try:
            self._execute(
                self._service.events().delete(
                    calendarId=calendar_id, eventId=event_id, sendUpdates="none"
                )
            )
        except GoogleApiError as exc:
            if exc.status not in (404, 410):  # already gone: the cancel is done
                raise

    def _patch(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        events = self._service.events()
        event = self._execute(
            events.patch(
                calendarId=calendar_id,
                eventId=event_id,
                body=_event_body(spec, with_conference=False),
                sendUpdates="none",
            )
        )
        if spec.with_meet and not _meet_url(event) and not _meet_pending(event):
            # Asking for a conference only when there is none keeps one Meet room per event.
            event = self._execute(
                events.patch(
                    calendarId=calendar_id,
                    eventId=event_id,
                    body={"conferenceData": _conference_request(spec)},
                    conferenceDataVersion=1,
                    sendUpdates="none",
                )
            )
        return _ref(event)

    # --- free/busy and sync ------------------------------------------------------------
    def free_busy(
        self, calendar_ids: Sequence[str], start: dt.datetime, end: dt.datetime
    ) -> FreeBusy:
        body = {
            "timeMin": _rfc3339(start),
            "timeMax": _rfc3339(end),
            "items": [{"id": calendar_id} for calendar_id in calendar_ids],
        }
        answer = self._execute(self._service.freebusy().query(body=body))
        blocks: list[BusyBlock] = []
        failed: list[str] = []
        for calendar_id, info in (answer.get("calendars") or {}).items():
            if info.get("errors"):
                failed.append(calendar_id)
                continue
            for busy in info.get("busy", []):
                blocks.append(
                    BusyBlock(
                        calendar_id, _parse_instant(busy["start"]), _parse_instant(busy["end"])
                    )
                )
        return FreeBusy(tuple(blocks), tuple(failed))

    def list_changes(self, calendar_id: str, *, sync_token: str, time_min: dt.datetime) -> SyncPage:
        params: dict[str, Any] = {
            "calendarId": calendar_id,
            "singleEvents": True,
            "maxResults": 250,
        }
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params["timeMin"] = _rfc3339(time_min)
        changes: list[EventChange] = []
        page_token = None
        while True:
            request = self._service.events().list(**params, pageToken=page_token)
            try:
                answer = self._execute(request)
            except GoogleApiError as exc:
                if exc.status == 410:
                    raise SyncTokenExpired(
                        PROVIDER, "sync token expired; full sync needed"
                    ) from exc
                raise
            zone = answer.get("timeZone") or "UTC"
            changes.extend(_change(event, zone) for event in answer.get("items", []))
            page_token = answer.get("nextPageToken")
            if not page_token:
                return SyncPage(tuple(changes), answer.get("nextSyncToken", ""), not sync_token)

    # --- push channels -----------------------------------------------------------------
    def watch(
        self, calendar_id: str, *, channel_id: str, token: str, address: str, ttl_seconds: int
    ) -> Channel:
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "params": {"ttl": str(ttl_seconds)},
        }
        answer = self._execute(self._service.events().watch(calendarId=calendar_id, body=body))
        expiration = answer.get("expiration")
        expires_at = (
            dt.datetime.fromtimestamp(int(expiration) / 1000, tz=dt.UTC) if expiration else None
        )
        return Channel(answer["id"], answer["resourceId"], expires_at)

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        body = {"id": channel_id, "resourceId": resource_id}
        try:
            self._execute(self._service.channels().stop(body=body))
        except GoogleApiError as exc:
            if exc.status != 404:  # an unknown channel is already stopped
                raise

    def calendars(self) -> list[CalendarInfo]:
        """Every calendar on the account's list (CalendarList: list, all pages)."""
        found: list[CalendarInfo] = []
        page_token = None
        while True:
            listing = self._execute(
                self._service.calendarList().list(maxResults=250, pageToken=page_token)
            )
            found.extend(
                CalendarInfo(
                    entry["id"],
                    entry.get("summaryOverride") or entry.get("summary") or entry["id"],
                    bool(entry.get("primary")),
                )
                for entry in listing.get("items", [])
            )
            page_token = listing.get("nextPageToken")
            if not page_token:
                return sorted(found, key=lambda info: (not info.primary, info.name.lower()))

    def primary_calendar_id(self) -> str:
        """The account's primary calendar id, which is its email address."""
        return self._execute(self._service.calendars().get(calendarId="primary"))["id"]

    # --- plumbing ----------------------------------------------------------------------
    def _execute(self, request: Any) -> Any:
        try:
            return request.execute(num_retries=0)
        except HttpError as exc:
            raise _from_http_error(exc) from exc
        except google.auth.exceptions.RefreshError as exc:
            raise _from_refresh_error(exc) from exc
        except TimeoutError as exc:
            raise ProviderTransientError(PROVIDER, f"timed out after {self.timeout}s") from exc
        except (OSError, httplib2.HttpLib2Error, google.auth.exceptions.TransportError) as exc:
            raise ProviderTransientError(PROVIDER, f"connection failed: {exc}") from exc
        finally:
            self._report_refreshed_token()

    def _report_refreshed_token(self) -> None:
        token = self._credentials.token
        if token and token != self._last_token:
            self._last_token = token
            if self._on_tokens is not None:
                expiry = self._credentials.expiry
                self._on_tokens(
                    Tokens(
                        access_token=token,
                        refresh_token=getattr(self._credentials, "refresh_token", None) or "",
                        expires_at=expiry.replace(tzinfo=dt.UTC) if expiry else None,
                    )
                )


# --- mapping ---------------------------------------------------------------------------
def _from_http_error(exc: HttpError) -> Exception:
    status = int(exc.resp.status)
    message, reasons = _error_details(exc)
    if status in TRANSIENT_STATUSES or (status == 403 and reasons & RATE_LIMIT_REASONS):
        retry_after = _retry_after(exc.resp.get("retry-after"))
        return ProviderTransientError(PROVIDER, f"HTTP {status}: {message}", retry_after)
    return GoogleApiError(status, message)


def _error_details(exc: HttpError) -> tuple[str, set[str]]:
    try:
        error = json.loads(exc.content or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        return exc.content.decode(errors="replace")[:200] if exc.content else "", set()
    if not isinstance(error, dict):
        return str(error), set()
    reasons = {item.get("reason", "") for item in error.get("errors", []) if isinstance(item, dict)}
    return str(error.get("message", "")), reasons


def _from_refresh_error(exc: google.auth.exceptions.RefreshError) -> Exception:
    text = str(exc.args[0]) if exc.args else str(exc)
    details = exc.args[1] if len(exc.args) > 1 else None
    if "invalid_grant" in text or (
        isinstance(details, dict) and details.get("error") == "invalid_grant"
    ):
        return GrantRevoked(PROVIDER, f"token refresh refused: {text}")
    if getattr(exc, "retryable", False):
        return ProviderTransientError(PROVIDER, f"token refresh failed: {text}")
    return ProviderPermanentError(PROVIDER, f"token refresh failed: {text}")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _parse_instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def _parse_time(value: dict[str, str], zone: str) -> dt.datetime:
    if "dateTime" in value:
        return _parse_instant(value["dateTime"])
    # All-day events: midnight in the event's (or calendar's) zone.
    tz = zoneinfo.ZoneInfo(value.get("timeZone") or zone)
    day = dt.date.fromisoformat(value["date"])
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def _change(event: dict[str, Any], zone: str) -> EventChange:
    ours = BOOKING_PROPERTY in (event.get("extendedProperties") or {}).get("private", {})
    declined = any(
        attendee.get("self") and attendee.get("responseStatus") == "declined"
        for attendee in event.get("attendees", [])
    )
    busy = (
        event.get("status") != "cancelled"
        and event.get("transparency") != "transparent"
        and not ours
        and not declined
        and "start" in event
        and "end" in event
    )
    if not busy:
        return EventChange(event["id"], busy=False)
    start, end = _parse_time(event["start"], zone), _parse_time(event["end"], zone)
    return EventChange(event["id"], busy=end > start, start=start, end=end)


def _conference_request(spec: EventSpec) -> dict[str, Any]:
    return {
        "createRequest": {
            "requestId": spec.request_id,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }
    }


def _event_body(spec: EventSpec, *, with_conference: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": spec.summary,
        "description": spec.description,
        "start": {"dateTime": _rfc3339(spec.start), "timeZone": spec.timezone},
        "end": {"dateTime": _rfc3339(spec.end), "timeZone": spec.timezone},
        "attendees": [
            {"email": attendee.email, **({"displayName": attendee.name} if attendee.name else {})}
            for attendee in spec.attendees
        ],
        "status": "confirmed",
    }
    if spec.location:
        body["location"] = spec.location
    if spec.booking_ref:
        body["extendedProperties"] = {"private": {BOOKING_PROPERTY: spec.booking_ref}}
    if with_conference:
        body["conferenceData"] = _conference_request(spec)
    return body


def _meet_url(event: dict[str, Any]) -> str:
    if event.get("hangoutLink"):
        return event["hangoutLink"]
    for entry in (event.get("conferenceData") or {}).get("entryPoints", []):
        if entry.get("entryPointType") == "video" and entry.get("uri"):
            return entry["uri"]
    return ""


def _meet_pending(event: dict[str, Any]) -> bool:
    create = (event.get("conferenceData") or {}).get("createRequest") or {}
    return (create.get("status") or {}).get("statusCode") == "pending"


def _ref(event: dict[str, Any]) -> EventRef:
    return EventRef(
        event_id=event["id"],
        meet_url=_meet_url(event),
        html_link=event.get("htmlLink", ""),
        meet_pending=_meet_pending(event),
    )
