"""Filling ``BusyInterval`` from Google free/busy, for the slot engine.

One ``freebusy.query`` covers at most 50 calendars and 90 days, so a refresh splits its ask
into such chunks, then replaces the rows of the calendars it read, over the window, in one
transaction (a calendar that answered with an error keeps its old rows: unknown is not free).

The calendar watched by a push channel is kept by the event sync instead (push.py), which
knows event ids and so can free time as soon as an event moves; free/busy covers the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.base import ProviderError
from integrations.calendar import service_account
from integrations.calendar.base import BusyBlock, CalendarProvider
from sellers import hooks
from sellers.calendar import connections
from sellers.models import BusyInterval, CalendarConnection, Seller

logger = logging.getLogger(__name__)

MAX_CALENDARS = 50
MAX_DAYS = 90


def windows(start: dt.datetime, end: dt.datetime, days: int = MAX_DAYS) -> Iterator[tuple]:
    """[start, end) cut into consecutive windows of at most ``days``."""
    step = dt.timedelta(days=days)
    while start < end:
        yield start, min(start + step, end)
        start += step


def chunks(items: Sequence[str], size: int = MAX_CALENDARS) -> Iterator[Sequence[str]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def query(
    provider: CalendarProvider, calendar_ids: Sequence[str], start: dt.datetime, end: dt.datetime
) -> tuple[list[BusyBlock], set[str]]:
    """Every busy block of these calendars over [start, end): one call per ≤ 50 calendars
    and ≤ 90 days. Returns the blocks and the calendars that answered with an error."""
    blocks: list[BusyBlock] = []
    failed: set[str] = set()
    for window_start, window_end in windows(start, end):
        for ids in chunks(list(calendar_ids)):
            answer = provider.free_busy(ids, window_start, window_end)
            blocks.extend(answer.blocks)
            failed.update(answer.failed_calendars)
    return blocks, failed


def default_window() -> tuple[dt.datetime, dt.datetime]:
    start = timezone.now().replace(second=0, microsecond=0)
    return start, start + dt.timedelta(days=settings.CALENDAR_SYNC_DAYS)


def polled_calendars(connection: CalendarConnection) -> list[str]:
    """The connection's busy calendars except the one a live push channel keeps."""
    calendars = list(connection.busy_calendar_ids or [])
    if connection.channel_id and calendars:
        calendars = calendars[1:]
    return calendars


def refresh_connection(
    connection: CalendarConnection,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> int:
    """Replace ``connection``'s polled busy rows over the window; returns rows written.

    Calls Google (through the connection's tokens), writes BusyInterval rows and the
    connection's ``last_synced_at``/``last_error``, bumps the seller's slot cache.
    Idempotent. Raises ProviderError (a revoked grant also marks the connection broken).
    """
    if start is None or end is None:
        start, end = default_window()
    calendars = polled_calendars(connection)
    if not calendars:
        return 0
    provider = connections.provider_for(connection)
    with connections.guarded(connection):
        blocks, failed = query(provider, calendars, start, end)
    read = [calendar_id for calendar_id in calendars if calendar_id not in failed]
    written = replace_busy(
        seller_id=connection.seller_id,
        connection_id=connection.pk,
        sources=read,
        blocks=[block for block in blocks if block.calendar_id in read],
        start=start,
        end=end,
    )
    error = f"free/busy failed for {sorted(failed)}" if failed else ""
    CalendarConnection.objects.filter(pk=connection.pk).update(
        last_synced_at=timezone.now(), last_error=error, updated_at=timezone.now()
    )
    return written


def replace_busy(
    *,
    seller_id: uuid.UUID | str,
    connection_id: uuid.UUID | str | None,
    sources: Iterable[str],
    blocks: Iterable[BusyBlock],
    start: dt.datetime,
    end: dt.datetime,
) -> int:
    """In one transaction, delete the seller's rows from ``sources`` overlapping [start, end)
    and insert ``blocks``. Sends ``hooks.busy_changed`` (bulk writes skip the model signals)."""
    sources = list(sources)
    # Our own booking events show up as busy too: a block lying inside one of the seller's
    # confirmed bookings adds nothing the booking does not block already, and keeping it
    # would hold the time after a cancel or a reschedule until the next poll.
    booked = hooks.booked_ranges(seller_id, start, end)
    rows = [
        BusyInterval(
            seller_id=seller_id,
            connection_id=connection_id,
            start=block.start,
            end=block.end,
            source=block.calendar_id,
        )
        for block in blocks
        if block.end > block.start
        and not any(low <= block.start and block.end <= high for low, high in booked)
    ]
    with transaction.atomic():
        BusyInterval.objects.filter(
            Q(seller_id=seller_id, source__in=sources, start__lt=end, end__gt=start),
            Q(connection_id=connection_id) if connection_id else Q(connection__isnull=True),
            external_id="",
        ).delete()
        BusyInterval.objects.bulk_create(rows)
        hooks.notify_busy_changed([seller_id])
    return len(rows)


def refresh_shared(sellers: Sequence[Seller], *, start: dt.datetime, end: dt.datetime) -> int:
    """Service-account mode: read every seller's own calendar (id = email), 50 per call."""
    provider = service_account.provider()
    by_email = {seller.email: seller for seller in sellers}
    blocks, failed = query(provider, list(by_email), start, end)
    written = 0
    for email, seller in by_email.items():
        if email in failed:
            logger.warning("free/busy: cannot read %s's calendar", email)
            continue
        written += replace_busy(
            seller_id=seller.pk,
            connection_id=None,
            sources=[email],
            blocks=[block for block in blocks if block.calendar_id == email],
            start=start,
            end=end,
        )
    return written


def refresh_all() -> dict[str, int]:
    """The periodic sweep: every active connection, Google or Outlook (and, in
    service-account mode, every active seller without one). One failing connection does not
    stop the others."""
    counts = {"ok": 0, "failed": 0}
    start, end = default_window()
    active = CalendarConnection.objects.filter(status=CalendarConnection.Status.ACTIVE)
    for connection in active:
        try:
            refresh_connection(connection, start=start, end=end)
            counts["ok"] += 1
        except ProviderError as exc:
            connections.record_error(connection.pk, str(exc))
            counts["failed"] += 1
            logger.warning("free/busy for %s failed: %s", connection.pk, exc)
    if service_account.enabled():
        sellers = list(Seller.objects.filter(is_active=True).exclude(calendars__status="active"))
        try:
            refresh_shared(sellers, start=start, end=end)
            counts["ok"] += len(sellers)
        except ProviderError as exc:
            counts["failed"] += len(sellers)
            logger.warning("free/busy (service account) failed: %s", exc)
    return counts
