"""Push sync: an ``events.watch`` channel per connection, and the event sync it triggers.

Each connection watches its first busy calendar with a channel whose random token is stored
encrypted; the webhook checks channel id and token (constant time). A notification runs an
incremental ``events.list`` with the stored sync token and applies the changes to
``BusyInterval`` rows keyed by event id, so a moved or deleted event frees its time at once;
a stale token (410) means a full resync of that calendar. Channels are renewed before they
expire by a periodic task (new channel first, then the old one is stopped).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.base import ProviderError
from integrations.calendar.base import EventChange, SyncTokenExpired
from sellers import hooks
from sellers.calendar import connections
from sellers.models import BusyInterval, CalendarConnection

logger = logging.getLogger(__name__)

CHANNEL_TTL = dt.timedelta(days=7)
RENEW_BEFORE = dt.timedelta(days=1)
FULL_SYNC_LOOKBACK = dt.timedelta(days=1)


def watched_calendar(connection: CalendarConnection) -> str:
    ids = connection.busy_calendar_ids or []
    return ids[0] if ids else ""


# --- channels --------------------------------------------------------------------------
def push_address(provider: str = CalendarConnection.Provider.GOOGLE) -> str:
    """Where the provider delivers notifications (Google's channels, Graph's subscriptions)."""
    if provider == CalendarConnection.Provider.OUTLOOK:
        return settings.OUTLOOK_PUSH_ADDRESS
    return settings.GOOGLE_PUSH_ADDRESS


def push_enabled(provider: str = CalendarConnection.Provider.GOOGLE) -> bool:
    """Both only deliver to a public HTTPS address; without one, polling alone."""
    return push_address(provider).startswith("https://")


def start_channel(connection: CalendarConnection) -> CalendarConnection:
    """Open a new watch channel on the connection's first busy calendar and store it (the
    token encrypted); stop the channel it replaces. Runs a full sync first when the
    connection has no sync token yet, so the watched calendar is covered from the start."""
    calendar_id = watched_calendar(connection)
    if not calendar_id or not push_enabled(connection.provider):
        return connection
    provider = connections.provider_for(connection)
    old = (connection.channel_id, connection.channel_resource_id)
    with connections.guarded(connection):
        if not connection.sync_token:
            sync_events(connection)
            connection.refresh_from_db()
        token = secrets.token_urlsafe(32)
        channel = provider.watch(
            calendar_id,
            channel_id=str(uuid.uuid4()),
            token=token,
            address=push_address(connection.provider),
            ttl_seconds=int(CHANNEL_TTL.total_seconds()),
        )
    connection.channel_id = channel.channel_id
    connection.channel_resource_id = channel.resource_id
    connection.channel_token = token
    connection.channel_expires_at = channel.expires_at
    connection.save(
        update_fields=[
            "channel_id",
            "channel_resource_id",
            "channel_token",
            "channel_expires_at",
            "updated_at",
        ]
    )
    if old[0]:
        try:
            provider.stop_channel(*old)
        except ProviderError as exc:  # it expires on its own; notifications for it 404
            logger.info("could not stop old channel %s: %s", old[0], exc)
    return connection


def renew_channels(*, now: dt.datetime | None = None) -> int:
    """Renew every active connection's channel that is missing or expires within a day.
    Returns how many were renewed; one failure does not stop the others."""
    now = now or timezone.now()
    due = CalendarConnection.objects.filter(status=CalendarConnection.Status.ACTIVE).exclude(
        channel_expires_at__gt=now + RENEW_BEFORE
    )
    renewed = 0
    for connection in due:
        if not watched_calendar(connection) or not push_enabled(connection.provider):
            continue
        try:
            start_channel(connection)
            renewed += 1
        except ProviderError as exc:
            connections.record_error(connection.pk, str(exc))
            logger.warning("channel renewal for %s failed: %s", connection.pk, exc)
    return renewed


# --- the webhook's check ---------------------------------------------------------------
class UnknownChannel(Exception):
    pass


class BadToken(Exception):
    pass


def verify_notification(channel_id: str, token: str) -> CalendarConnection:
    """The connection owning ``channel_id`` if ``token`` is its channel token (compared in
    constant time). Raises UnknownChannel or BadToken."""
    connection = (
        CalendarConnection.objects.filter(channel_id=channel_id).exclude(channel_id="").first()
        if channel_id
        else None
    )
    if connection is None:
        raise UnknownChannel(channel_id)
    expected = (connection.channel_token or "").encode()
    if not expected or not hmac.compare_digest(expected, (token or "").encode()):
        raise BadToken(channel_id)
    return connection


# --- event sync ------------------------------------------------------------------------
def sync_events(connection: CalendarConnection) -> int:
    """Apply the watched calendar's changes since the stored sync token to BusyInterval; a
    stale token (410) or none at all means a full resync. Stores the new sync token.
    Returns how many events changed. Idempotent. Raises ProviderError."""
    calendar_id = watched_calendar(connection)
    if not calendar_id:
        return 0
    provider = connections.provider_for(connection)
    time_min = timezone.now() - FULL_SYNC_LOOKBACK
    with connections.guarded(connection):
        try:
            page = provider.list_changes(
                calendar_id, sync_token=connection.sync_token, time_min=time_min
            )
        except SyncTokenExpired:
            logger.info("sync token of %s expired: full resync", connection.pk)
            page = provider.list_changes(calendar_id, sync_token="", time_min=time_min)
    _apply(connection, calendar_id, page.changes, full=page.full)
    CalendarConnection.objects.filter(pk=connection.pk).update(
        sync_token=page.next_sync_token,
        last_synced_at=timezone.now(),
        last_error="",
        updated_at=timezone.now(),
    )
    connection.sync_token = page.next_sync_token
    return len(page.changes)


def _apply(
    connection: CalendarConnection,
    calendar_id: str,
    changes: tuple[EventChange, ...],
    *,
    full: bool,
) -> None:
    horizon = timezone.now() + dt.timedelta(days=settings.CALENDAR_SYNC_DAYS)
    rows = [
        BusyInterval(
            seller_id=connection.seller_id,
            connection_id=connection.pk,
            start=change.start,
            end=change.end,
            source=calendar_id,
            external_id=change.event_id,
        )
        for change in changes
        if change.busy and change.start and change.end and change.start < horizon
    ]
    with transaction.atomic():
        mine = BusyInterval.objects.filter(connection_id=connection.pk, source=calendar_id)
        if full:
            # Everything this calendar had, free/busy rows included: the listing is complete.
            mine.delete()
        else:
            mine.filter(external_id__in=[change.event_id for change in changes]).delete()
        BusyInterval.objects.bulk_create(rows)
        hooks.notify_busy_changed([connection.seller_id])
