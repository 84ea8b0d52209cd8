import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings import metrics
from bookings.models import Booking
from tests.factories import (
    BookingFactory,
    MeetingTypeFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
    UserFactory,
)

MADRID = ZoneInfo("Europe/Madrid")
MONDAY = dt.date(2026, 1, 5)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=MADRID)


def booking(meeting_type, seller, start, *, lead_hours=2, **fields):
    """A past booking made ``lead_hours`` before its start (created_at set after insert:
    it is auto_now_add)."""
    made = BookingFactory(meeting_type=meeting_type, seller=seller, start=start, **fields)
    Booking.objects.filter(pk=made.pk).update(created_at=start - dt.timedelta(hours=lead_hours))
    return made


@pytest.fixture
def world(db):
    """A Madrid team page with Ana (weight 1) and Bea (weight 3): Ana has three Monday
    10:00 bookings (confirmed, cancelled, no show) from Peru made 2 h ahead; Bea one
    Wednesday 15:00 meeting from Spain, made 5 days ahead, held and won."""
    ana = SellerFactory(
        name="Ana", timezone="Europe/Madrid", weight=1, user=UserFactory(username="ana")
    )
    bea = SellerFactory(name="Bea", timezone="Europe/Madrid", weight=3)
    team = TeamFactory(sellers=[ana, bea])
    page = PageFactory(seller=None, team=team, timezone="Europe/Madrid")
    meeting_type = MeetingTypeFactory(page=page)
    for status in ("confirmed", "cancelled", "no_show"):
        booking(meeting_type, ana, at(MONDAY, 10), status=status, country="PE")
    booking(
        meeting_type,
        bea,
        at(MONDAY + dt.timedelta(days=2), 15),
        lead_hours=120,
        status="completed",
        country="ES",
        deal_won_at=timezone.now(),
    )
    metrics.rebuild(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    return {"page": page, "team": team, "ana": ana, "bea": bea, "meeting_type": meeting_type}


RANGE_PARAMS = {"start": "2026-01-01", "end": "2026-01-31"}
