"""The today board: what ops staff look at first. Reads only; a constant number of queries
whatever the data (each list is capped) and one cache read per circuit breaker."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q
from django.utils import timezone

from bookings.models import Booking
from bookings.outbox.models import SyncJob
from integrations.circuit import CLOSED, CircuitBreaker
from sellers.models import CalendarConnection
from waitlist.models import WaitlistEntry

#: How many rows each list shows at most (the page links to the full admin list).
LIMIT = 50
#: Calendar tokens or push channels running out within this are listed as expiring.
EXPIRING = dt.timedelta(days=2)
#: The breakers the outbox and the live calendar check use (SyncJob targets + the ESP).
CIRCUITS = (*SyncJob.Target.values, "email-esp")
MANUAL_SYNC = (
    Q(calendar_needs_manual_sync=True)
    | Q(pipedrive_needs_manual_sync=True)
    | Q(hubspot_needs_manual_sync=True)
    | Q(email_needs_manual_sync=True)
    | Q(sms_needs_manual_sync=True)
)


def board(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything on the board. 6 database queries."""
    now = now or timezone.now()
    return {
        "days": meetings_by_seller(now),
        "manual_sync": list(
            Booking.objects.filter(MANUAL_SYNC).select_related("seller").order_by("start")[:LIMIT]
        ),
        "calendars": list(
            CalendarConnection.objects.filter(
                Q(status=CalendarConnection.Status.BROKEN)
                | Q(status=CalendarConnection.Status.ACTIVE, channel_expires_at__lt=now + EXPIRING)
            )
            .select_related("seller")
            .order_by("status", "seller__name")[:LIMIT]
        ),
        "circuits": open_circuits(),
        "outbox": SyncJob.objects.filter(status=SyncJob.Status.PENDING).aggregate(
            backlog=Count("pk"), oldest=Min("created_at")
        )
        | {"failed": SyncJob.objects.filter(status=SyncJob.Status.FAILED).count()},
        "waitlist": list(
            WaitlistEntry.objects.filter(status=WaitlistEntry.Status.NOTIFIED)
            .select_related("slot", "slot__seller")
            .order_by("notified_at")[:LIMIT]
        ),
    }


def open_circuits() -> list[dict[str, Any]]:
    """The breakers not closed: name, state (open / half_open), when calls resume."""
    states = [(name, CircuitBreaker(name)) for name in CIRCUITS]
    return [
        {"name": name, "state": state, "retry_at": breaker.retry_at()}
        for name, breaker in states
        if (state := breaker.state()) != CLOSED
    ]


def meetings_by_seller(now: dt.datetime) -> list[dict[str, Any]]:
    """Today's and tomorrow's meetings (in each seller's zone), per seller, by start:
    ``[{"label", "sellers": [{"seller", "meetings": [{"booking", "local_start"}]}]}]``.
    One query over the instants any zone's today or tomorrow can cover."""
    rows = (
        Booking.objects.filter(
            start__gte=now - dt.timedelta(days=1, hours=14),
            start__lt=now + dt.timedelta(days=2, hours=14),
        )
        .select_related("seller", "meeting_type")
        .order_by("seller__name", "start")
    )
    days: dict[int, dict[Any, dict[str, Any]]] = {0: {}, 1: {}}
    for booking in rows[: LIMIT * 10]:
        zone = ZoneInfo(booking.seller.timezone)
        local = booking.start.astimezone(zone)
        offset = (local.date() - now.astimezone(zone).date()).days
        if offset in days:
            entry = days[offset].setdefault(
                booking.seller_id, {"seller": booking.seller, "meetings": []}
            )
            entry["meetings"].append({"booking": booking, "local_start": local})
    return [{"offset": offset, "sellers": list(days[offset].values())} for offset in (0, 1)]
