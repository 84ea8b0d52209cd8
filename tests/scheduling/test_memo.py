"""The per-process memo of a page's configuration (scheduling.cache.memo): reused while the
shared tokens stand, retired by every write that changes what it holds.

The memo keeps only what was computed outside a transaction, so these tests run with real
commits (``transaction=True``), as requests do.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test.utils import override_settings

from routing.models import RoutingRule
from routing.services import active_rules, candidate_stats, page_pool, record_assignment
from routing.strategies import Choice
from scheduling import cache as slot_cache
from scheduling.models import MeetingType
from scheduling.selectors import public_meeting_type, seller_calendars, team_members
from scheduling.services import replace_weekly_rules
from sellers.calendar.connections import mark_broken
from sellers.models import TeamMembership
from tests.factories import (
    AvailabilityRuleFactory,
    CalendarConnectionFactory,
    MeetingTypeFactory,
    OverrideFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
)
from tests.scheduling.test_cache import DEAD_REDIS

pytestmark = pytest.mark.django_db(transaction=True)


def counted(values):
    """A compute function that hands out ``values`` in turn and counts its calls."""
    calls = []

    def compute():
        calls.append(1)
        return values[len(calls) - 1]

    return compute, calls


@pytest.mark.parametrize(
    "bump", [slot_cache.bump_pages, slot_cache.bump_roster, slot_cache.bump_global]
)
def test_a_value_is_reused_as_a_copy_until_a_shared_token_moves(bump):
    compute, calls = counted([{"v": [1]}, {"v": [2]}])

    first = slot_cache.memo("k", compute)
    first["v"].append("changed by its caller")
    again = slot_cache.memo("k", compute)

    assert (again, len(calls)) == ({"v": [1]}, 1)  # its own copy: the change is not seen
    bump()
    assert (slot_cache.memo("k", compute), len(calls)) == ({"v": [2]}, 2)


def test_a_request_reads_the_tokens_once_and_sees_its_own_writes():
    compute, calls = counted([1, 2, 3])
    slot_cache.request(active=True)
    try:
        assert slot_cache.memo("k", compute) == 1
        cache.set("slots:t:pages", 12345, timeout=None)  # another process's write
        assert slot_cache.memo("k", compute) == 1  # as at the request's start
        slot_cache.bump_pages()  # this request's own write
        assert slot_cache.memo("k", compute) == 2
    finally:
        slot_cache.request(active=False)
    cache.set("slots:t:pages", 6789, timeout=None)
    assert (slot_cache.memo("k", compute), len(calls)) == (3, 3)  # outside: every call


def test_nothing_computed_inside_a_transaction_is_kept():
    compute, calls = counted([1, 2, 3])

    with transaction.atomic():
        assert slot_cache.memo("k", compute) == 1
    assert slot_cache.memo("k", compute) == 2
    assert slot_cache.memo("k", compute) == 2
    assert len(calls) == 2


def test_with_the_cache_down_it_computes_every_time():
    compute, _ = counted([1, 2])

    with override_settings(CACHES=DEAD_REDIS):
        assert [slot_cache.memo("k", compute), slot_cache.memo("k", compute)] == [1, 2]


def test_the_meeting_type_is_read_once_and_every_edit_is_seen(django_assert_num_queries):
    meeting = MeetingTypeFactory(duration=30)
    slugs = (meeting.page.slug, meeting.slug)
    public_meeting_type(*slugs)

    with django_assert_num_queries(0):
        assert public_meeting_type(*slugs).duration == 30

    meeting.duration = 45
    meeting.save()
    assert public_meeting_type(*slugs).duration == 45
    meeting.page.is_active = False
    meeting.page.save()
    with pytest.raises(MeetingType.DoesNotExist):
        public_meeting_type(*slugs)


def test_team_members_follow_memberships_and_broken_calendars(django_assert_num_queries):
    ana, bea = SellerFactory(name="Ana"), SellerFactory(name="Bea")
    team = TeamFactory(sellers=[ana])
    assert [s.name for s in team_members(team.pk)] == ["Ana"]

    with django_assert_num_queries(0):
        team_members(team.pk)
    TeamMembership.objects.create(team=team, seller=bea)
    assert sorted(s.name for s in team_members(team.pk)) == ["Ana", "Bea"]

    connection = CalendarConnectionFactory(seller=bea)
    team_members(team.pk)
    mark_broken(connection.pk, "invalid_grant")  # a bulk update: no model signal
    assert [s.name for s in team_members(team.pk)] == ["Ana"]


def test_routing_rules_follow_every_rule_write(django_assert_num_queries):
    page = PageFactory()
    assert active_rules(page.pk) == []

    rule = RoutingRule.objects.create(page=page, name="Enterprise", target_seller=page.seller)
    assert [r.name for r in active_rules(page.pk)] == ["Enterprise"]
    with django_assert_num_queries(0):
        active_rules(page.pk)

    rule.is_active = False
    rule.save()
    assert active_rules(page.pk) == []
    rule.is_active = True
    rule.save()
    rule.delete()
    assert active_rules(page.pk) == []


def test_routing_reads_last_assigned_at_from_the_row_not_the_memo():
    ana = SellerFactory(name="Ana")
    team = TeamFactory(sellers=[ana])
    page = PageFactory(seller=None, team=team)
    assert team_members(team.pk)[0].last_assigned_at is None
    at = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)

    # What routing writes for every booking: an update, no token bump.
    record_assignment(
        pool=page_pool(page),
        choice=Choice(order=(str(ana.pk),), reason="round robin"),
        seller_id=ana.pk,
        now=at,
        calendars_broken=False,
    )

    assert team_members(team.pk)[0].last_assigned_at is None  # the memo predates it
    assert candidate_stats(team_members(team.pk))[0].last_assigned_at == at


def test_hours_are_memoised_until_anyones_hours_change(django_assert_num_queries):
    meeting = MeetingTypeFactory()
    ana = meeting.page.seller
    AvailabilityRuleFactory(seller=ana, weekday=0)
    since = dt.datetime(2026, 12, 21, tzinfo=dt.UTC)  # a Monday
    until = since + dt.timedelta(days=7)

    def hours():
        (calendar,) = seller_calendars(meeting, [ana], since, until)
        return [rule.weekday for rule in calendar.rules], len(calendar.overrides)

    assert hours() == ([0], 0)
    with django_assert_num_queries(2):  # booked and busy time; hours from the memo
        assert hours() == ([0], 0)

    AvailabilityRuleFactory(seller=ana, weekday=1)
    assert hours() == ([0, 1], 0)
    replace_weekly_rules(seller=ana, rules=[(2, dt.time(9), dt.time(12))])  # bulk writes
    assert hours() == ([2], 0)
    OverrideFactory(seller=ana, date=dt.date(2026, 12, 24))  # a day off
    assert hours() == ([2], 1)
