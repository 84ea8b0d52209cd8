"""Routing through the booking service on the real database: fairness, fallbacks, rules,
and the stored decision."""

import datetime as dt
from collections import Counter

import pytest

from bookings.models import Booking
from bookings.services import FrequencyLimit, create_booking
from routing.models import RoutingDecision, RoutingRule, RoutingState
from tests.bookings.conftest import personal_page, slot, team_page, working_seller
from tests.factories import BusyIntervalFactory, MeetingTypeFactory, PageFactory, TeamFactory

pytestmark = pytest.mark.django_db


def starts(n: int) -> list[dt.datetime]:
    """``n`` distinct slot starts, 30 minutes apart inside working hours, over some days."""
    out = []
    day = 2
    while len(out) < n:
        out += [slot(days=day, hour=8) + dt.timedelta(minutes=30 * i) for i in range(24)]
        day += 1
    return out[:n]


def book(meeting_type, start, n, **extra):
    return create_booking(
        meeting_type=meeting_type,
        start=start,
        timezone="America/Lima",
        name=f"P{n}",
        email=f"p{n}@example.com",
        **extra,
    ).booking


def test_round_robin_cycles_fairly_over_30_bookings():
    meeting_type, sellers = team_page()
    winners = [book(meeting_type, s, n).seller_id for n, s in enumerate(starts(30))]
    ids = [s.pk for s in sellers]
    assert winners == ids * 10
    state = RoutingState.objects.get(pool_key=f"page:{meeting_type.page_id}")
    assert (state.last_seller_id, state.assignments) == (ids[2], 30)


def test_round_robin_skips_a_busy_seller_and_keeps_the_turn_order():
    meeting_type, sellers = team_page()
    a, b, c = sellers
    times = starts(5)
    BusyIntervalFactory(seller=b, start=times[1], end=times[1] + dt.timedelta(minutes=30))
    winners = [book(meeting_type, s, n).seller_id for n, s in enumerate(times)]
    assert winners == [a.pk, c.pk, a.pk, b.pk, c.pk]
    skipped = Booking.objects.get(start=times[1]).routing_decision
    assert "skipped" in skipped.reason
    assert [c["seller"] for c in skipped.candidates] == [str(c.pk), str(a.pk)]


def test_round_robin_failed_booking_hands_its_turn_back():
    """The turn is taken before the insert; a booking that fails (here the frequency
    limit, counted inside the booking's transaction) gives it back to the same seller."""
    meeting_type, sellers = team_page()
    meeting_type.max_bookings_per_email = 1
    meeting_type.save()
    times = starts(3)
    first = book(meeting_type, times[0], 0)
    with pytest.raises(FrequencyLimit):
        book(meeting_type, times[1], 0)  # same email again
    second = book(meeting_type, times[2], 1)
    assert [first.seller_id, second.seller_id] == [sellers[0].pk, sellers[1].pk]
    state = RoutingState.objects.get(pool_key=f"page:{meeting_type.page_id}")
    assert (state.last_seller_id, state.assignments) == (sellers[1].pk, 2)


def test_lowest_load_picks_least_booked_then_least_recent():
    meeting_type, sellers = team_page(routing="lowest_load")
    winners = [book(meeting_type, s, n).seller_id for n, s in enumerate(starts(6))]
    assert Counter(winners) == Counter({s.pk: 2 for s in sellers})
    assert winners[:3] == [s.pk for s in sellers]  # never assigned: ties by id


def test_weighted_shares_converge_to_the_weights():
    meeting_type, sellers = team_page(routing="weighted")
    for seller, weight in zip(sellers, (1, 2, 3), strict=True):
        seller.weight = weight
        seller.save()
    winners = Counter(book(meeting_type, s, n).seller_id for n, s in enumerate(starts(36)))
    assert winners == Counter({sellers[0].pk: 6, sellers[1].pk: 12, sellers[2].pk: 18})


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("PE", {"pe"}),
        ("CL", {"cl"}),
        ("AR", {"pe", "cl"}),
        ("ES", {"es"}),
        ("FR", {"es"}),
        ("JP", {"pe", "cl", "es"}),
        ("", {"pe", "cl", "es"}),
    ],
)
def test_by_country_matches_country_then_region_then_pool(country, expected):
    """Pool chosen as the slots were (scheduling.eligibility), then ranked by the strategy."""
    people = {
        "pe": working_seller(country="PE", region="LATAM"),
        "cl": working_seller(country="CL", region="LATAM"),
        "es": working_seller(country="ES", region="EMEA"),
    }
    team = TeamFactory(sellers=list(people.values()))
    meeting_type = MeetingTypeFactory(
        page=PageFactory(seller=None, team=team, routing="by_country")
    )
    booking = book(meeting_type, slot(), 1, country=country)
    candidates = {c["seller"] for c in booking.routing_decision.candidates}
    assert candidates == {str(people[key].pk) for key in expected}
    assert booking.routing_decision.strategy == "by_country"


def test_decision_is_stored_with_candidates_figures_and_reason():
    meeting_type, sellers = team_page(routing="lowest_load")
    before = sellers[0].last_assigned_at
    booking = book(meeting_type, slot(), 1)
    decision = booking.routing_decision
    assert decision.chosen_id == booking.seller_id
    assert decision.page_id == meeting_type.page_id
    assert decision.reason.startswith("lowest load:")
    assert [c["rank"] for c in decision.candidates] == [1, 2, 3]
    assert set(decision.candidates[0]) >= {"seller", "name", "load", "weight"}
    booking.seller.refresh_from_db()
    assert booking.seller.last_assigned_at is not None
    assert booking.seller.last_assigned_at != before


def test_rule_sends_to_a_seller_outside_the_team():
    meeting_type, _ = team_page()
    vip = working_seller(name="VIP")
    rule = RoutingRule.objects.create(
        page=meeting_type.page,
        name="Spain",
        conditions=[{"field": "country", "op": "eq", "value": "ES"}],
        target_seller=vip,
    )
    booking = book(meeting_type, slot(), 1, country="ES")
    assert booking.seller == vip
    assert booking.routing_decision.rule == rule
    assert booking.routing_decision.reason.startswith("rule “Spain”")
    other = book(meeting_type, slot(hour=11), 2, country="PE")
    assert other.seller != vip
    assert other.routing_decision.rule is None


def test_rules_run_in_order_on_answers_to_a_team_or_page():
    questions = [{"key": "size", "label": "Size", "type": "select",
                  "options": ["small", "enterprise"]}]  # fmt: skip
    meeting_type, _ = team_page(questions=questions)
    big = [working_seller(name="Big 1"), working_seller(name="Big 2")]
    big_team = TeamFactory(sellers=big)
    small_meeting, small_seller = personal_page()
    RoutingRule.objects.create(
        page=meeting_type.page,
        name="Enterprise",
        order=1,
        conditions=[{"field": "answers.size", "op": "eq", "value": "enterprise"}],
        target_team=big_team,
    )
    RoutingRule.objects.create(
        page=meeting_type.page,
        name="Small",
        order=2,
        match="any",
        conditions=[
            {"field": "answers.size", "op": "eq", "value": "small"},
            {"field": "country", "op": "in", "value": ["BO"]},
        ],
        target_page=small_meeting.page,
    )
    first = book(meeting_type, slot(), 1, answers={"size": "enterprise"})
    second = book(meeting_type, slot(), 2, answers={"size": "enterprise"})
    assert {first.seller, second.seller} == set(big)
    small = book(meeting_type, slot(), 3, answers={"size": "small"})
    assert small.seller == small_seller
    assert small.routing_decision.rule.name == "Small"


def test_rule_target_busy_falls_back_to_the_page_pool():
    meeting_type, sellers = team_page()
    vip = working_seller(name="VIP")
    BusyIntervalFactory(seller=vip, start=slot(), end=slot() + dt.timedelta(hours=1))
    RoutingRule.objects.create(
        page=meeting_type.page,
        name="Spain",
        conditions=[{"field": "country", "op": "eq", "value": "ES"}],
        target_seller=vip,
    )
    booking = book(meeting_type, slot(), 1, country="ES")
    assert booking.seller in sellers
    assert "nobody there was free" in booking.routing_decision.reason
    assert RoutingDecision.objects.count() == 1
