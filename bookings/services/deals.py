"""What the CRM tells us back about a booking's deal: won, lost, reopened or deleted.

One write serves both callers: Pipedrive's webhook (``record_deal_outcome``, by deal id)
and code that knows the booking (``record_deal_won``). ``deal_outcome`` is the deal's state;
``deal_won_at`` is when it was won (None while it is not), which ``rebuild_metrics``
recounts ``deals_won`` from.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone as django_timezone

from bookings import metrics
from bookings.models import Booking, BookingEvent, DealOutcome
from bookings.services.common import Actor, NotActive, actor_label, add_event

# Pipedrive's deal ``status`` values → ours (anything else, e.g. "open", reopens the deal).
_STATUSES = {"won": DealOutcome.WON, "lost": DealOutcome.LOST}


def outcome_of(status: str | None, *, deleted: bool = False) -> str:
    """Our outcome for a Pipedrive deal ``status`` (or a deleted deal)."""
    if deleted:
        return DealOutcome.DELETED
    return _STATUSES.get(status or "", DealOutcome.OPEN)


def record_deal_outcome(*, deal_id: str, outcome: str, actor: str = "pipedrive") -> Booking | None:
    """Record that the booking holding Pipedrive deal ``deal_id`` now has ``outcome``.

    Returns None for a deal none of our bookings holds. Idempotent: the same deal and
    outcome again changes nothing (webhooks are delivered at least once).
    """
    if not deal_id or outcome not in DealOutcome.values:
        return None
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("seller")
            .filter(pipedrive_deal_id=deal_id)
            .order_by("-created_at")
            .first()
        )
        if booking is not None:
            _set_outcome(booking, outcome, actor, django_timezone.now(), deal_id=deal_id)
    return booking


def record_deal_won(
    *, booking: Booking, actor: Actor = None, now: dt.datetime | None = None
) -> Booking:
    """Record that the deal of ``booking``'s meeting was won. Idempotent; ``NotActive`` for
    a meeting that has not started (a future meeting can still move, and its metric)."""
    now = now or django_timezone.now()
    with transaction.atomic():
        current = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("seller")
            .get(pk=booking.pk)
        )
        if current.deal_outcome != DealOutcome.WON and current.start > now:
            raise NotActive("This meeting has not started yet.")
        _set_outcome(current, DealOutcome.WON, actor_label(actor, "system"), now)
    return current


def _set_outcome(
    booking: Booking, outcome: str, actor: str, now: dt.datetime, **data: object
) -> None:
    """Under the caller's row lock: ``deal_outcome``, ``deal_won_at``, a ``deal_outcome``
    event and the seller's ``deals_won`` metric (+1 entering won, -1 leaving it)."""
    previous = booking.deal_outcome
    if previous == outcome:
        return
    booking.deal_outcome = outcome
    booking.deal_won_at = now if outcome == DealOutcome.WON else None
    booking.save(update_fields=["deal_outcome", "deal_won_at", "updated_at"])
    add_event(
        booking, BookingEvent.Kind.DEAL_OUTCOME, actor, outcome=outcome, previous=previous, **data
    )
    if DealOutcome.WON in (outcome, previous):
        won = outcome == DealOutcome.WON
        metrics.count(booking=booking, counter="deals_won", delta=1 if won else -1)
