"""config.sqlbatch: the writes of a block go out as one statement, and only if it ends well."""

import pytest
from django.db import connection
from django.db.models.constants import OnConflict
from django.test.utils import CaptureQueriesContext

from bookings.models import BookingEvent
from config import sqlbatch
from sellers.models import Seller, SellerMetric, Team, TeamMembership
from tests.factories import BookingFactory, SellerFactory

pytestmark = pytest.mark.django_db


def test_the_writes_of_a_block_are_one_statement_and_all_land():
    seller = SellerFactory(name="Before")
    booking = BookingFactory(seller=seller)
    team = Team(name="New team", slug="new-team")

    with CaptureQueriesContext(connection) as queries, sqlbatch.collecting():
        sqlbatch.insert(Team, [team])
        # a row pointing at one queued beside it: the key is checked at commit
        sqlbatch.insert(TeamMembership, [TeamMembership(team=team, seller=seller)])
        sqlbatch.insert(BookingEvent, [BookingEvent(booking=booking, kind="note", actor="x")])
        sqlbatch.update(Seller.objects.filter(pk=seller.pk), name="After")
        assert len(queries) == 0

    assert len(queries) == 1
    assert Team.objects.get(slug="new-team").members.get() == seller
    assert BookingEvent.objects.filter(booking=booking, kind="note").count() == 1
    assert Seller.objects.get(pk=seller.pk).name == "After"


def test_a_block_that_raises_sends_nothing():
    with pytest.raises(RuntimeError), sqlbatch.collecting():
        sqlbatch.insert(Team, [Team(name="Lost", slug="lost")])
        raise RuntimeError("the use case failed")

    assert not Team.objects.filter(slug="lost").exists()


def test_outside_a_block_each_write_runs_at_once_and_upserts_update():
    seller = SellerFactory()
    row = SellerMetric(seller=seller, country="PE", date="2026-12-01", bookings=1)
    sqlbatch.insert(SellerMetric, [row])
    again = SellerMetric(seller=seller, country="PE", date="2026-12-01", bookings=5)

    sqlbatch.insert(
        SellerMetric,
        [again],
        on_conflict=OnConflict.UPDATE,
        unique_fields=["seller", "country", "date"],
        update_fields=["bookings"],
    )

    assert list(SellerMetric.objects.values_list("bookings", flat=True)) == [5]


def test_nested_blocks_each_send_their_own():
    with CaptureQueriesContext(connection) as queries, sqlbatch.collecting():
        sqlbatch.insert(Team, [Team(name="Outer", slug="outer")])
        with sqlbatch.collecting():
            sqlbatch.insert(Team, [Team(name="Inner", slug="inner")])
        assert len(queries) == 1

    assert len(queries) == 2
    assert set(Team.objects.values_list("slug", flat=True)) == {"outer", "inner"}
