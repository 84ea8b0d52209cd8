"""What the CRM tells us back about a meeting: its deal was won."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone as django_timezone

from bookings import metrics
from bookings.models import Booking, BookingEvent
from bookings.services.common import Actor, NotActive, actor_label, add_event


def record_deal_won(
    *, booking: Booking, actor: Actor = None, now: dt.datetime | None = None
) -> Booking:
    """Record that the deal of ``booking``'s meeting was won (e.g. from Pipedrive's webhook).

    Writes ``deal_won_at``, a ``deal_won`` event and the seller's ``deals_won`` metric under
    the booking's row lock. Idempotent: a second report changes nothing. ``NotActive`` for a
    meeting that has not started (a future meeting can still move, and its metric with it).
    """
    now = now or django_timezone.now()
    with transaction.atomic():
        current = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("seller")
            .get(pk=booking.pk)
        )
        if current.deal_won_at is not None:
            return current
        if current.start > now:
            raise NotActive("This meeting has not started yet.")
        current.deal_won_at = now
        current.save(update_fields=["deal_won_at", "updated_at"])
        add_event(current, BookingEvent.Kind.DEAL_WON, actor_label(actor, "system"))
        metrics.count(booking=current, counter="deals_won")
    return current
