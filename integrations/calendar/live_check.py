"""The third layer against double booking: ask the seller's calendar right before booking.

``seller_is_free`` answers True/False from a live free/busy query with a short timeout, or
None when it cannot say — no calendar, the "calendar" circuit open, a timeout or a provider
failure — and the booking then proceeds on the database's word (the caller records that).
A broken connection answers False: a calendar we cannot read is never treated as free.
"""

from __future__ import annotations

import datetime as dt
import logging

from integrations.base import ProviderError, ProviderTransientError
from integrations.calendar import connections
from integrations.calendar.base import GrantRevoked
from integrations.circuit import CircuitBreaker
from sellers.models import CalendarConnection, Seller

logger = logging.getLogger(__name__)

CIRCUIT = "calendar"


def seller_is_free(
    seller: Seller, start: dt.datetime, end: dt.datetime, *, timeout: float = 2.0
) -> bool | None:
    """Whether ``seller``'s calendars show nothing busy over [start, end).

    One free/busy call bounded by ``timeout``; counts towards the calendar circuit. Reads
    only (a revoked grant marks the connection broken). Never raises for provider trouble.
    """
    if CalendarConnection.objects.filter(
        seller=seller, status=CalendarConnection.Status.BROKEN
    ).exists():
        return False
    target = None
    breaker = CircuitBreaker(CIRCUIT)
    try:
        target = connections.target_for(seller, timeout=timeout)
        if target is None or not target.busy_calendar_ids:
            return None
        if not breaker.allow():
            logger.info("live check for %s skipped: circuit %s open", seller.pk, CIRCUIT)
            return None
        with connections.guarded(target.connection):
            answer = target.provider.free_busy(list(target.busy_calendar_ids), start, end)
    except GrantRevoked:
        return False
    except ProviderTransientError as exc:
        breaker.record_failure()
        logger.warning("live check for %s failed: %s", seller.pk, exc)
        return None
    except ProviderError as exc:
        logger.warning("live check for %s failed: %s", seller.pk, exc)
        return None
    breaker.record_success()
    if answer.failed_calendars:
        return None if not answer.blocks else False
    return not any(block.start < end and block.end > start for block in answer.blocks)
