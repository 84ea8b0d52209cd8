"""What the CRM tells us about a booking's deal: won, lost, reopened or deleted."""

from __future__ import annotations

from django.db import transaction

from bookings import metrics
from bookings.models import Booking, BookingEvent, DealOutcome
from bookings.services.common import add_event

# Pipedrive's deal ``status`` values → ours (anything else, e.g. "open", reopens the deal).
_STATUSES = {"won": DealOutcome.WON, "lost": DealOutcome.LOST}


def outcome_of(status: str | None, *, deleted: bool = False) -> str:
    """Our outcome for a Pipedrive deal ``status`` (or a deleted deal)."""
    if deleted:
        return DealOutcome.DELETED
    return _STATUSES.get(status or "", DealOutcome.OPEN)


def record_deal_outcome(*, deal_id: str, outcome: str, actor: str = "pipedrive") -> Booking | None:
    """Record that the booking holding Pipedrive deal ``deal_id`` now has ``outcome``.

    Writes the booking's ``deal_outcome``, a ``deal_outcome`` event and the seller's
    ``deals_won`` metric (+1 entering won, -1 leaving it), under the booking's row lock.
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
        if booking is None or booking.deal_outcome == outcome:
            return booking
        previous = booking.deal_outcome
        booking.deal_outcome = outcome
        booking.save(update_fields=["deal_outcome", "updated_at"])
        add_event(
            booking,
            BookingEvent.Kind.DEAL_OUTCOME,
            actor,
            deal_id=deal_id,
            outcome=outcome,
            previous=previous,
        )
        if DealOutcome.WON in (outcome, previous):
            metrics.count(
                booking=booking, counter="deals_won", delta=1 if outcome == DealOutcome.WON else -1
            )
    return booking
