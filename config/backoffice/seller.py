"""A seller's own page in the admin: their bookings, weekly hours, overrides and calendar
health. Every query is filtered by the seller; nothing of anyone else is read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from bookings.models import Booking
from scheduling.models import AvailabilityOverride, AvailabilityRule
from sellers.models import CalendarConnection, Seller

#: The bookings shown: from this far back to this far ahead.
PAST = dt.timedelta(days=14)
AHEAD = dt.timedelta(days=30)


def seller_page(seller: Seller, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The seller's page. 4 queries."""
    now = now or timezone.now()
    return {
        "seller": seller,
        "bookings": list(
            Booking.objects.filter(seller=seller, start__gte=now - PAST, start__lt=now + AHEAD)
            .select_related("meeting_type")
            .order_by("start")
        ),
        "hours": list(AvailabilityRule.objects.filter(seller=seller).order_by("weekday", "start")),
        "overrides": list(
            AvailabilityOverride.objects.filter(seller=seller, date__gte=now.date()).order_by(
                "date", "start"
            )
        ),
        "calendars": list(CalendarConnection.objects.filter(seller=seller).order_by("provider")),
    }
