"""SellerMetric counted as things happen equals SellerMetric recounted from the bookings."""

import contextlib
import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from bookings import metrics
from bookings.models import Booking, BookingStatus
from bookings.services import (
    cancel_booking,
    complete_booking,
    create_booking,
    mark_no_show,
    record_deal_won,
    reschedule_booking,
)
from config.errors import DomainError
from sellers.models import SellerMetric
from tests.factories import (
    AvailabilityRuleFactory,
    MeetingTypeFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")
#: Zones far apart, so a meeting's local date differs between sellers near midnight.
ZONES = ["America/Lima", "Europe/Madrid", "Asia/Tokyo"]


def _setup():
    sellers = []
    for i, zone in enumerate(ZONES):
        seller = SellerFactory(name=f"Seller {i}", timezone=zone)
        for weekday in range(7):
            AvailabilityRuleFactory(
                seller=seller, weekday=weekday, start=dt.time(0), end=dt.time(23, 59)
            )
        sellers.append(seller)
    page = PageFactory(seller=None, team=TeamFactory(sellers=sellers), routing="round_robin")
    return MeetingTypeFactory(page=page, max_days_ahead=60)


def _snapshot() -> dict:
    counters = metrics.COUNTERS
    return {
        (str(m.seller_id), m.country, m.date): tuple(getattr(m, c) for c in counters)
        for m in SellerMetric.objects.all()
        if any(getattr(m, c) for c in counters)
    }


def _random_start(rng: random.Random) -> dt.datetime:
    day = dt.datetime.now(LIMA).date() + dt.timedelta(days=rng.randint(1, 6))
    return dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.choice([0, 30])), LIMA)


def _step(rng: random.Random, meeting_type, n: int) -> None:
    bookings = list(Booking.objects.select_related("seller").order_by("created_at"))
    # The test's clock jumps past a meeting to finish it; a won meeting would have started
    # for real, and a started meeting cannot move, so won ones are not moved.
    confirmed = [
        b for b in bookings if b.status == BookingStatus.CONFIRMED and b.deal_won_at is None
    ]
    op = rng.choice(["create", "create", "cancel", "move", "complete", "no_show", "won"])
    if op == "create" or not bookings:
        create_booking(
            meeting_type=meeting_type,
            start=_random_start(rng),
            timezone="America/Lima",
            name=f"P{n}",
            email=f"p{n}@example.com",
            country=rng.choice(["PE", "ES", "", "JP"]),
        )
        return
    target = rng.choice(confirmed or ([] if op == "move" else bookings) or bookings[:1])
    if op == "move" and target.deal_won_at is not None:
        return
    later = target.start + dt.timedelta(hours=1)  # the meeting has started by then
    if op == "cancel":
        cancel_booking(booking=target)
    elif op == "move":
        reschedule_booking(booking=target, start=_random_start(rng))
    elif op == "complete":
        complete_booking(booking=target, now=later)
    elif op == "no_show":
        mark_no_show(booking=target, now=later)
    else:
        record_deal_won(booking=target, now=max(later, target.start + dt.timedelta(hours=2)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_metrics_equal_rebuilt_after_random_operations(seed):
    rng = random.Random(seed)
    meeting_type = _setup()
    for n in range(40):
        # A refused step (slot taken, booking no longer active) changes nothing.
        with contextlib.suppress(DomainError):
            _step(rng, meeting_type, n)
    incremental = _snapshot()
    assert sum(v[0] for v in incremental.values()) == Booking.objects.count()
    today = dt.datetime.now(LIMA).date()
    start, end = today - dt.timedelta(days=3), today + dt.timedelta(days=10)
    call_command("rebuild_metrics", "--start", str(start), "--end", str(end))
    assert _snapshot() == incremental


def test_rebuild_touches_only_its_dates():
    other_day = dt.date(2020, 1, 1)
    SellerMetric.objects.create(seller=SellerFactory(), country="PE", date=other_day, bookings=7)
    metrics.rebuild(start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31))
    assert SellerMetric.objects.get(date=other_day).bookings == 7


def test_deal_won_is_counted_once_and_only_after_the_meeting_started():
    meeting_type = _setup()
    start = _random_start(random.Random(0))
    booking = create_booking(
        meeting_type=meeting_type,
        start=start,
        timezone="America/Lima",
        name="A",
        email="a@example.com",
    ).booking
    with pytest.raises(DomainError):
        record_deal_won(booking=booking)
    later = booking.start + dt.timedelta(hours=1)
    record_deal_won(booking=booking, now=later)
    record_deal_won(booking=booking, now=later)
    assert SellerMetric.objects.get(seller=booking.seller, deals_won__gt=0).deals_won == 1
    assert booking.events.filter(kind="deal_outcome").count() == 1
