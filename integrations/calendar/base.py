"""What crosses the calendar boundary: a small Protocol and frozen values, never SDK objects.

Adapters raise ``ProviderTransientError`` (retry) or ``ProviderPermanentError`` (stop), plus
the two permanent cases callers act on: ``GrantRevoked`` (mark the connection broken) and
``SyncTokenExpired`` (do a full resync).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from integrations.base import ProviderPermanentError, ProviderTransientError

__all__ = [
    "Attendee",
    "BusyBlock",
    "CalendarInfo",
    "CalendarProvider",
    "Channel",
    "EventChange",
    "EventRef",
    "EventSpec",
    "FreeBusy",
    "GrantRevoked",
    "ProviderPermanentError",
    "ProviderTransientError",
    "SyncPage",
    "SyncTokenExpired",
]

BOOKING_PROPERTY = "meetroute_booking"
"""Private extended property on events we create: sync skips them (the booking already
blocks that time) so a cancelled booking frees its slot without waiting for Google."""


class GrantRevoked(ProviderPermanentError):
    """The refresh token was revoked or expired (``invalid_grant``): reconnect needed."""


class SyncTokenExpired(ProviderPermanentError):
    """The stored sync token is no longer valid (HTTP 410): a full resync is needed."""


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""


@dataclass(frozen=True)
class EventSpec:
    """The event we want in the calendar for one booking (aware UTC datetimes)."""

    summary: str
    start: dt.datetime
    end: dt.datetime
    timezone: str
    description: str = ""
    location: str = ""
    attendees: tuple[Attendee, ...] = ()
    with_meet: bool = False
    #: Outlook: make the event a Teams meeting (its link comes back as ``meet_url``).
    with_teams: bool = False
    request_id: str = ""
    booking_ref: str = ""


@dataclass(frozen=True)
class EventRef:
    event_id: str
    meet_url: str = ""
    html_link: str = ""
    meet_pending: bool = False


@dataclass(frozen=True)
class BusyBlock:
    calendar_id: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class CalendarInfo:
    """One calendar of the account's list, for a person to pick from."""

    calendar_id: str
    name: str
    primary: bool = False


@dataclass(frozen=True)
class FreeBusy:
    blocks: tuple[BusyBlock, ...]
    failed_calendars: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventChange:
    """One event as the sync saw it; ``busy`` is False for cancelled, free (transparent),
    declined and our own booking events."""

    event_id: str
    busy: bool
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class SyncPage:
    """Every change since the sync token (or every event, on a full sync)."""

    changes: tuple[EventChange, ...]
    next_sync_token: str
    full: bool = False


@dataclass(frozen=True)
class Channel:
    channel_id: str
    resource_id: str
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None
    scopes: tuple[str, ...] = field(default=())


class CalendarProvider(Protocol):
    """One calendar account. Writes are idempotent, keyed by our own event id."""

    def create_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        """Insert; if the id exists already, bring the existing event to ``spec``."""
        ...

    def update_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        """Patch; if the event does not exist, insert it."""
        ...

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Delete; an event already gone (404/410) counts as done."""
        ...

    def free_busy(
        self, calendar_ids: Sequence[str], start: dt.datetime, end: dt.datetime
    ) -> FreeBusy:
        """Busy blocks of ≤ 50 calendars over ≤ 90 days (callers split larger asks)."""
        ...

    def list_changes(self, calendar_id: str, *, sync_token: str, time_min: dt.datetime) -> SyncPage:
        """Changes since ``sync_token``; a full listing from ``time_min`` when it is empty.
        Raises ``SyncTokenExpired`` when the token is stale."""
        ...

    def watch(
        self, calendar_id: str, *, channel_id: str, token: str, address: str, ttl_seconds: int
    ) -> Channel: ...

    def stop_channel(self, channel_id: str, resource_id: str) -> None: ...

    def calendars(self) -> list[CalendarInfo]:
        """Every calendar the account lists, with its name (all pages), primary first."""
        ...
