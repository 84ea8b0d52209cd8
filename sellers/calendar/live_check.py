"""The third layer against double booking: ask the seller's calendar right before booking.

``seller_is_free`` answers True/False from a live free/busy query with a short timeout, or
None when it cannot say — no calendar, the "calendar" circuit open, a timeout or a provider
failure — and the booking then proceeds on the database's word (``check`` also says why, for
the booking's events). A broken connection answers False: a calendar we cannot read is never
treated as free.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from integrations.base import ProviderError, ProviderTransientError
from integrations.calendar.base import GrantRevoked
from integrations.circuit import CircuitBreaker
from sellers.calendar import connections
from sellers.models import CalendarConnection, Seller

logger = logging.getLogger(__name__)

CIRCUIT = "calendar"
NO_CALENDAR = "no calendar"
CIRCUIT_OPEN = "calendar circuit open"

Range = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class LiveCheck:
    free: bool | None
    reason: str = ""  # why ``free`` is None (or False for a broken calendar)

    @property
    def skipped(self) -> bool:
        """The seller has a calendar but it could not be asked."""
        return self.free is None and self.reason != NO_CALENDAR


def seller_is_free(
    seller: Seller,
    start: dt.datetime,
    end: dt.datetime,
    *,
    timeout: float = 2.0,
    ignore: Sequence[Range] = (),
) -> bool | None:
    """Whether ``seller``'s calendars show nothing busy over [start, end); see ``check``."""
    return check(seller, start, end, timeout=timeout, ignore=ignore).free


def check(
    seller: Seller,
    start: dt.datetime,
    end: dt.datetime,
    *,
    timeout: float = 2.0,
    ignore: Sequence[Range] = (),
) -> LiveCheck:
    """One free/busy call bounded by ``timeout``, counted by the calendar circuit. Busy
    blocks lying inside an ``ignore`` range (the booking being rescheduled: its own event)
    do not count. Reads only (a revoked grant marks the connection broken). Never raises
    for provider trouble."""
    if CalendarConnection.objects.filter(
        seller=seller, status=CalendarConnection.Status.BROKEN
    ).exists():
        return LiveCheck(False, "calendar connection broken")
    breaker = CircuitBreaker(CIRCUIT)
    try:
        target = connections.target_for(seller, timeout=timeout)
        if target is None or not target.busy_calendar_ids:
            return LiveCheck(None, NO_CALENDAR)
        if not breaker.allow():
            logger.info("live check for %s skipped: circuit %s open", seller.pk, CIRCUIT)
            return LiveCheck(None, CIRCUIT_OPEN)
        with connections.guarded(target.connection):
            answer = target.provider.free_busy(list(target.busy_calendar_ids), start, end)
    except GrantRevoked as exc:
        return LiveCheck(False, str(exc))
    except ProviderTransientError as exc:
        breaker.record_failure()
        logger.warning("live check for %s failed: %s", seller.pk, exc)
        return LiveCheck(None, str(exc))
    except ProviderError as exc:
        logger.warning("live check for %s failed: %s", seller.pk, exc)
        return LiveCheck(None, str(exc))
    breaker.record_success()
    busy = [
        block
        for block in answer.blocks
        if block.start < end
        and block.end > start
        and not any(low <= block.start and block.end <= high for low, high in ignore)
    ]
    if busy:
        return LiveCheck(False, "busy in the calendar")
    if answer.failed_calendars:
        return LiveCheck(None, f"cannot read {', '.join(answer.failed_calendars)}")
    return LiveCheck(True)
