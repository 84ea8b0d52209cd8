"""Celery tasks of the calendar sync: thin, they load a row and call one module function.

Periodic (``CELERY_BEAT_SCHEDULE``): ``refresh_busy`` polls free/busy and catches up the
watched calendars; ``renew_channels`` renews push channels before they expire. On demand:
``refresh_connection_busy`` (after connecting, from the admin) and ``sync_events`` (from the
push webhook). Transient provider errors retry with exponential backoff and jitter.
"""

from __future__ import annotations

import logging

from celery import shared_task

from integrations.base import ProviderError, ProviderTransientError
from sellers.calendar import freebusy, push
from sellers.models import CalendarConnection

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (ProviderTransientError,),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def _active(connection_id: str) -> CalendarConnection | None:
    connection = CalendarConnection.objects.filter(
        pk=connection_id, status=CalendarConnection.Status.ACTIVE
    ).first()
    if connection is None:
        logger.info("calendar connection %s gone or not active; nothing to do", connection_id)
    return connection


@shared_task(name="integrations.calendar.sync_events", ignore_result=True, **RETRY)
def sync_events(*, connection_id: str) -> None:
    """Incremental event sync of one connection (a push notification arrived)."""
    if connection := _active(connection_id):
        push.sync_events(connection)


@shared_task(name="integrations.calendar.refresh_connection_busy", ignore_result=True, **RETRY)
def refresh_connection_busy(*, connection_id: str) -> None:
    """Free/busy refresh of one connection, plus its channel (and full sync) if it has none."""
    if connection := _active(connection_id):
        freebusy.refresh_connection(connection)
        if not connection.channel_id and push.watched_calendar(connection):
            try:
                push.start_channel(connection)
            except ProviderError as exc:  # polling still covers it; renewal retries
                logger.warning("could not open a channel for %s: %s", connection_id, exc)


@shared_task(name="integrations.calendar.refresh_busy", ignore_result=True)
def refresh_busy() -> None:
    """Every few minutes: free/busy for every connection, and an incremental sync of each
    watched calendar in case a notification was lost."""
    freebusy.refresh_all()
    watched = CalendarConnection.objects.filter(status=CalendarConnection.Status.ACTIVE).exclude(
        channel_id=""
    )
    for connection in watched:
        try:
            push.sync_events(connection)
        except ProviderError as exc:
            logger.warning("event sync for %s failed: %s", connection.pk, exc)


@shared_task(name="integrations.calendar.renew_channels", ignore_result=True)
def renew_channels() -> None:
    """Hourly: renew push channels that expire within a day (or are missing)."""
    push.renew_channels()
