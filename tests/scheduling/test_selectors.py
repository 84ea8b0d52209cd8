"""Selectors: eligibility, what the calendars hold, offered slots, constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.engine import BusyTime, DayOverride, Interval, WeeklyRule
from scheduling.selectors import eligible_sellers, offered_slots, seller_calendars
from tests.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    BusyIntervalFactory,
    MeetingTypeFactory,
    OverrideFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def team_page(sellers, routing="round_robin"):
    return PageFactory(seller=None, team=TeamFactory(sellers=sellers), routing=routing)


# --- eligible_sellers -------------------------------------------------------------------


def test_eligible_personal_page_is_its_seller():
    seller = SellerFactory()
    page = PageFactory(seller=seller)

    assert eligible_sellers(page) == [seller]
    seller.is_active = False
    assert eligible_sellers(page) == []


def test_eligible_team_page_is_its_active_members_by_id():
    members = [SellerFactory(), SellerFactory(), SellerFactory(is_active=False)]
    SellerFactory()  # not a member

    sellers = eligible_sellers(team_page(members))

    assert sellers == sorted(members[:2], key=lambda s: s.id)


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("PE", ["pe"]),
        ("pe", ["pe"]),
        ("CL", ["pe", "mx"]),  # Latin America
        ("DE", ["es"]),  # EMEA
        ("US", ["us"]),
        ("CA", ["us"]),  # North America
        ("JP", ["pe", "mx", "es", "us"]),  # nobody in APAC: everyone
        (None, ["pe", "mx", "es", "us"]),
    ],
)
def test_eligible_by_country_page_narrows_to_country_then_region(country, expected):
    sellers = {
        "pe": SellerFactory(country="PE", region="LATAM"),
        "mx": SellerFactory(country="MX", region=""),  # region from the country
        "es": SellerFactory(country="ES", region="EMEA"),
        "us": SellerFactory(country="US", region="NA"),
    }
    page = team_page(list(sellers.values()), routing="by_country")

    chosen = eligible_sellers(page, country=country)

    assert sorted(s.id for s in chosen) == sorted(sellers[k].id for k in expected)


def test_eligible_country_is_ignored_when_the_page_does_not_route_by_country():
    members = [SellerFactory(country="PE"), SellerFactory(country="ES")]

    assert len(eligible_sellers(team_page(members), country="PE")) == 2


# --- seller_calendars -------------------------------------------------------------------


def test_calendars_hold_rules_overrides_busy_and_counted_starts():
    seller = SellerFactory(timezone="Europe/Madrid")
    other = SellerFactory()
    AvailabilityRuleFactory(seller=seller, weekday=0, start=dt.time(9), end=dt.time(13))
    AvailabilityRuleFactory(seller=other, weekday=0)
    meeting = MeetingTypeFactory(page=PageFactory(seller=seller), daily_limit=2)
    other_type = MeetingTypeFactory(page=meeting.page, buffer_before=15, buffer_after=5)
    OverrideFactory(seller=seller, date=dt.date(2026, 12, 8))
    OverrideFactory(
        seller=None, date=dt.date(2026, 12, 9), start=dt.time(10), end=dt.time(11), available=True
    )
    OverrideFactory(seller=other, date=dt.date(2026, 12, 8))
    OverrideFactory(seller=seller, date=dt.date(2027, 3, 1))  # far outside the window
    counted = BookingFactory(meeting_type=meeting, seller=seller, start=utc(2026, 12, 7, 9))
    BookingFactory(meeting_type=other_type, seller=seller, start=utc(2026, 12, 7, 11))
    BookingFactory(
        meeting_type=meeting, seller=seller, start=utc(2026, 12, 7, 12), status="cancelled"
    )
    BookingFactory(meeting_type=meeting, seller=other, start=utc(2026, 12, 7, 9))
    BusyIntervalFactory(seller=seller, start=utc(2026, 12, 8, 8), end=utc(2026, 12, 8, 9))
    BusyIntervalFactory(seller=seller, start=utc(2027, 2, 1, 8), end=utc(2027, 2, 1, 9))

    (calendar,) = seller_calendars(meeting, [seller], utc(2026, 12, 7), utc(2026, 12, 10))

    assert calendar.seller_id == seller.id
    assert calendar.timezone == "Europe/Madrid"
    assert calendar.rules == (WeeklyRule(0, dt.time(9), dt.time(13)),)
    assert sorted(calendar.overrides, key=lambda o: o.date) == [
        DayOverride(dt.date(2026, 12, 8), None, None, False),
        DayOverride(dt.date(2026, 12, 9), dt.time(10), dt.time(11), True),
    ]
    assert calendar.busy.intervals() == (
        Interval(utc(2026, 12, 7, 9), utc(2026, 12, 7, 9, 30)),
        Interval(utc(2026, 12, 7, 10, 45), utc(2026, 12, 7, 11, 35)),  # widened by buffers
        Interval(utc(2026, 12, 8, 8), utc(2026, 12, 8, 9)),
    )
    assert calendar.counted_starts == (counted.start,)


def test_calendars_reach_past_the_window_for_buffers_and_weekly_limits():
    seller = SellerFactory()
    meeting = MeetingTypeFactory(
        page=PageFactory(seller=seller), buffer_before=30, duration=60, weekly_limit=3
    )
    # Counted the Monday before a Saturday–Sunday window: same ISO week.
    monday = BookingFactory(meeting_type=meeting, start=utc(2026, 12, 7, 15))
    # Ends 10 minutes into the window's first slot's buffer: blocks it.
    BusyIntervalFactory(seller=seller, start=utc(2026, 12, 11, 23), end=utc(2026, 12, 12, 0, 10))
    # Starts within duration after the window's end: a slot just before the end needs it.
    BusyIntervalFactory(seller=seller, start=utc(2026, 12, 14, 0, 30), end=utc(2026, 12, 14, 1))

    (calendar,) = seller_calendars(meeting, [seller], utc(2026, 12, 12), utc(2026, 12, 14))

    assert calendar.counted_starts == (monday.start,)
    assert len(calendar.busy) == 2  # the Monday booking is too far to block anything


def test_calendars_without_limits_skip_far_bookings():
    seller = SellerFactory()
    meeting = MeetingTypeFactory(page=PageFactory(seller=seller))
    BookingFactory(meeting_type=meeting, start=utc(2026, 12, 7, 15))

    (calendar,) = seller_calendars(meeting, [seller], utc(2026, 12, 12), utc(2026, 12, 14))

    assert (calendar.busy, calendar.counted_starts) == (BusyTime(), ())


def test_calendars_exclude_the_booking_being_rescheduled():
    seller = SellerFactory()
    meeting = MeetingTypeFactory(page=PageFactory(seller=seller), daily_limit=1)
    moving = BookingFactory(meeting_type=meeting, start=utc(2026, 12, 7, 15))

    (calendar,) = seller_calendars(
        meeting, [seller], utc(2026, 12, 7), utc(2026, 12, 8), exclude_booking_id=moving.id
    )

    assert (calendar.busy, calendar.counted_starts) == (BusyTime(), ())


def test_calendars_of_no_sellers_cost_no_query(django_assert_num_queries):
    meeting = MeetingTypeFactory()

    with django_assert_num_queries(0):
        assert seller_calendars(meeting, [], utc(2026, 12, 7), utc(2026, 12, 8)) == []


# --- offered_slots ----------------------------------------------------------------------


def test_offered_slots_maps_starts_to_free_sellers():
    ana, ben = SellerFactory(timezone="UTC"), SellerFactory(timezone="UTC")
    for seller in (ana, ben):
        AvailabilityRuleFactory(seller=seller, weekday=0, start=dt.time(9), end=dt.time(11))
    meeting = MeetingTypeFactory(page=team_page([ana, ben]), duration=60, slot_interval=60)
    booked = BookingFactory(meeting_type=meeting, seller=ana, start=utc(2026, 12, 7, 9))
    both = tuple(sorted((ana.id, ben.id)))

    slots = offered_slots(meeting, utc(2026, 12, 7), utc(2026, 12, 8), now=utc(2026, 12, 1))
    assert slots == {utc(2026, 12, 7, 9): (ben.id,), utc(2026, 12, 7, 10): both}

    rescheduling = offered_slots(
        meeting,
        utc(2026, 12, 7, 9),
        utc(2026, 12, 7, 9, 1),
        now=utc(2026, 12, 1),
        exclude_booking_id=booked.id,
    )
    assert rescheduling == {utc(2026, 12, 7, 9): both}


def test_offered_slots_of_a_team_without_members_is_empty():
    meeting = MeetingTypeFactory(page=team_page([]))

    assert offered_slots(meeting, utc(2026, 12, 7), utc(2026, 12, 8), now=utc(2026, 12, 1)) == {}


# --- query counts -----------------------------------------------------------------------


def loaded_team(size: int):
    sellers = SellerFactory.create_batch(size, timezone="America/New_York")
    meeting = MeetingTypeFactory(page=team_page(sellers), daily_limit=3, weekly_limit=9)
    for seller in sellers:
        AvailabilityRuleFactory(seller=seller, weekday=0)
        AvailabilityRuleFactory(seller=seller, weekday=1)
        OverrideFactory(seller=seller, date=dt.date(2026, 12, 8))
        BookingFactory(meeting_type=meeting, seller=seller, start=utc(2026, 12, 7, 15))
        BusyIntervalFactory(seller=seller, start=utc(2026, 12, 14, 15), end=utc(2026, 12, 14, 16))
    OverrideFactory(seller=None, date=dt.date(2026, 12, 25))
    return meeting


@pytest.mark.parametrize("size", [1, 20])
def test_offered_slots_query_count_is_constant(size):
    meeting = loaded_team(size)
    meeting.refresh_from_db()

    with CaptureQueriesContext(connection) as queries:
        slots = offered_slots(meeting, utc(2026, 12, 1), utc(2027, 1, 1), now=utc(2026, 12, 1))

    # page (lazy), team members, rules, overrides, bookings, busy time
    assert len(queries) == 6
    assert all(len(sellers) == size for sellers in slots.values())
    # 4 Mondays and 5 Tuesdays less the blocked Dec 8, 16 starts each (09:00–17:00 New York),
    # less the booked 10:00 on Dec 7 and the busy 10:00–11:00 on Dec 14.
    assert len(slots) == 8 * 16 - 1 - 2


@pytest.mark.parametrize("seed", range(4))
def test_calendars_grouped_in_postgresql_equal_the_row_by_row_reading(seed, monkeypatch):
    """PostgreSQL groups busy and booked time per seller (arrays); other databases read row
    by row. Both readings of the same rows give the same calendars."""
    import random

    rng = random.Random(seed)
    sellers = [SellerFactory() for _ in range(3)]
    meeting = MeetingTypeFactory(
        page=team_page(sellers), buffer_before=10, buffer_after=5, weekly_limit=9
    )
    other_type = MeetingTypeFactory(page=meeting.page, buffer_before=0)
    statuses = ["confirmed", "held", "cancelled", "completed", "no_show"]
    for seller in sellers[:2]:  # the third has no rows at all
        for hour in rng.sample(range(24 * 20), 25):  # distinct hours: no overlap
            BookingFactory(
                meeting_type=rng.choice([meeting, other_type]),
                seller=seller,
                start=utc(2026, 12, 1) + dt.timedelta(hours=hour),
                status=rng.choice(statuses),
            )
        for _ in range(25):
            start = utc(2026, 12, 1) + dt.timedelta(seconds=rng.randrange(20 * 86400) + 0.25)
            BusyIntervalFactory(
                seller=seller, start=start, end=start + dt.timedelta(minutes=rng.choice([1, 45]))
            )
    window = (utc(2026, 12, 7), utc(2026, 12, 14))

    def read() -> list:
        calendars = seller_calendars(meeting, sellers, *window)
        return [(c, sorted(c.counted_starts)) for c in calendars]

    grouped = read()
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the row-by-row reading
    by_rows = read()

    assert [(c.busy, c.seller_id, starts) for c, starts in grouped] == [
        (c.busy, c.seller_id, starts) for c, starts in by_rows
    ]
    assert sum(len(c.busy) for c, _ in grouped) > 0
    assert sum(len(starts) for _, starts in grouped) > 0
