"""config.shaped: a read compiled once per shape answers as the ORM would, for new values."""

import datetime as dt

import pytest

from bookings.models import Booking
from config.shaped import Shaped
from tests.factories import BookingFactory, SellerFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC)


def booked(shape, *, sellers, since, email=None):
    rows = Booking.objects.filter(seller_id__in=sellers, start__gte=since)
    if email is not None:
        rows = rows.filter(email=email)
    return rows.order_by("start").values_list("seller_id", "start")


def test_rows_match_the_orm_for_new_values_and_each_shape():
    ana, bea = SellerFactory(), SellerFactory()
    for seller, hours in ((ana, 0), (ana, 2), (bea, 1)):
        BookingFactory(seller=seller, start=T0 + dt.timedelta(hours=hours))
    builds = []
    read = Shaped(lambda shape, **values: builds.append(shape) or booked(shape, **values))

    for sellers, since in (([ana.pk], T0), ([bea.pk], T0), ([ana.pk], T0 + dt.timedelta(hours=1))):
        assert read.rows(sellers=sellers, since=since) == list(
            booked((), sellers=sellers, since=since)
        )
    both = [ana.pk, bea.pk]
    assert read.rows(sellers=both, since=T0) == list(booked((), sellers=both, since=T0))
    assert len(builds) == 2  # one per list length: the SQL of the rest was reused

    email = Booking.objects.filter(seller=bea).get().email
    assert read.rows("by email", sellers=both, since=T0, email=email) == [
        (bea.pk, T0 + dt.timedelta(hours=1))
    ]


def test_a_value_the_orm_writes_into_the_sql_is_refused_at_once():
    # A slice bound becomes LIMIT text, not a parameter: it must go in the shape instead.
    read = Shaped(lambda shape, *, first: Booking.objects.values_list("pk")[first : first + 1])

    with pytest.raises(ValueError, match="not passed as SQL parameters"):
        read.rows(first=3)
    with pytest.raises(TypeError, match="pass it in the shape"):
        Shaped(lambda shape, **values: Booking.objects.values_list("pk")).rows(flag=None)


def test_an_empty_list_matches_nothing_as_the_orm_says():
    read = Shaped(booked)

    assert read.rows(sellers=[], since=T0) == list(booked((), sellers=[], since=T0)) == []
