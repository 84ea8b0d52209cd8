"""An in-memory calendar with Google's semantics: idempotent inserts keyed by our id, sync
tokens that go stale, Meet links. Used by service tests and by the embedded default (no
Google credentials), where ``shared()`` is the one calendar every seller writes to."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from integrations.calendar.base import (
    BusyBlock,
    CalendarInfo,
    Channel,
    EventChange,
    EventRef,
    EventSpec,
    FreeBusy,
    SyncPage,
    SyncTokenExpired,
)

PROVIDER = "fake_calendar"


@dataclass(frozen=True)
class StoredEvent:
    calendar_id: str
    event_id: str
    start: dt.datetime
    end: dt.datetime
    summary: str = ""
    busy: bool = True
    cancelled: bool = False
    ours: bool = False
    meet_url: str = ""
    changed_at: int = 0


class InMemoryCalendar:
    """Stateful, thread-safe; ``events`` is keyed by (calendar id, event id)."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, str], StoredEvent] = {}
        self.channels: dict[str, Channel] = {}
        self.names: dict[str, str] = {"primary": "Primary"}  # the account's calendar list
        self.free_busy_calls: list[tuple[str, ...]] = []
        self._clock = itertools.count(1)
        self._oldest_valid_token = 0
        self._lock = threading.Lock()

    # --- CalendarProvider ------------------------------------------------------------
    def create_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        with self._lock:
            existing = self.events.get((calendar_id, event_id))
            meet = (existing.meet_url if existing else "") or (
                f"https://meet.example.com/{event_id[:3]}-{event_id[3:7]}-{event_id[7:10]}"
                if spec.with_meet
                else ""
            )
            self.events[(calendar_id, event_id)] = StoredEvent(
                calendar_id,
                event_id,
                spec.start,
                spec.end,
                spec.summary,
                ours=bool(spec.booking_ref),
                meet_url=meet,
                changed_at=next(self._clock),
            )
            return EventRef(event_id, meet, f"https://calendar.example.com/{event_id}")

    def update_event(self, calendar_id: str, event_id: str, spec: EventSpec) -> EventRef:
        return self.create_event(calendar_id, event_id, spec)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        with self._lock:
            existing = self.events.get((calendar_id, event_id))
            if existing and not existing.cancelled:
                self.events[(calendar_id, event_id)] = replace(
                    existing, cancelled=True, changed_at=next(self._clock)
                )

    def free_busy(
        self, calendar_ids: Sequence[str], start: dt.datetime, end: dt.datetime
    ) -> FreeBusy:
        with self._lock:
            self.free_busy_calls.append(tuple(calendar_ids))
            blocks = [
                BusyBlock(event.calendar_id, max(event.start, start), min(event.end, end))
                for event in self.events.values()
                if event.calendar_id in calendar_ids
                and event.busy
                and not event.cancelled
                and event.start < end
                and event.end > start
            ]
        return FreeBusy(tuple(sorted(blocks, key=lambda block: block.start)))

    def list_changes(self, calendar_id: str, *, sync_token: str, time_min: dt.datetime) -> SyncPage:
        with self._lock:
            since = int(sync_token) if sync_token else None
            if since is not None and since < self._oldest_valid_token:
                raise SyncTokenExpired(PROVIDER, "sync token expired")
            changes = []
            for event in self.events.values():
                if event.calendar_id != calendar_id:
                    continue
                if since is None and (event.cancelled or event.end < time_min):
                    continue
                if since is not None and event.changed_at <= since:
                    continue
                busy = event.busy and not event.cancelled and not event.ours
                changes.append(
                    EventChange(event.event_id, busy, *((event.start, event.end) if busy else ()))
                )
            token = str(next(self._clock))
        return SyncPage(tuple(changes), token, since is None)

    def watch(
        self, calendar_id: str, *, channel_id: str, token: str, address: str, ttl_seconds: int
    ) -> Channel:
        channel = Channel(
            channel_id,
            f"resource-{uuid.uuid4().hex[:12]}",
            dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl_seconds),
        )
        with self._lock:
            self.channels[channel_id] = channel
        return channel

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        with self._lock:
            self.channels.pop(channel_id, None)

    def calendars(self) -> list[CalendarInfo]:
        with self._lock:
            listed = {event.calendar_id: event.calendar_id for event in self.events.values()}
            listed.update(self.names)
        return [
            CalendarInfo(calendar_id, name, calendar_id == "primary")
            for calendar_id, name in sorted(listed.items(), key=lambda kv: kv[0] != "primary")
        ]

    # --- what tests (and demo data) do to the seller's side --------------------------
    def put_busy(
        self, calendar_id: str, start: dt.datetime, end: dt.datetime, *, event_id: str = ""
    ) -> str:
        event_id = event_id or uuid.uuid4().hex
        with self._lock:
            self.events[(calendar_id, event_id)] = StoredEvent(
                calendar_id, event_id, start, end, "Busy", changed_at=next(self._clock)
            )
        return event_id

    def expire_sync_tokens(self) -> None:
        with self._lock:
            self._oldest_valid_token = next(self._clock)


_shared = InMemoryCalendar()


def shared() -> InMemoryCalendar:
    """The process-wide fake the embedded default uses when Google is not configured."""
    return _shared
