"""Services take the acting user: staff and sellers are recorded by name on the event;
nobody signed in (None, or an anonymous user) is the prospect, with the prospect's limits."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from bookings.services import NotActive, cancel_booking, complete_booking
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db


def started():
    return BookingFactory(start=timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5))


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_cancel_booking_by_the_prospect_refuses_a_started_meeting(actor) -> None:
    booking = started()

    with pytest.raises(NotActive):
        cancel_booking(booking=booking, actor=actor)

    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_cancel_booking_by_staff_may_cancel_a_started_meeting_and_is_recorded(
    staff_user,
) -> None:
    booking = started()

    cancel_booking(booking=booking, reason="Double entry", actor=staff_user)

    event = booking.events.get()
    assert (event.kind, event.actor, event.data) == (
        "cancelled",
        "staff:staff",
        {"reason": "Double entry"},
    )


def test_complete_booking_records_a_seller_user_and_the_system_by_default() -> None:
    by_seller, by_system = started(), started()

    complete_booking(booking=by_seller, actor=UserFactory(username="lucia"))
    complete_booking(booking=by_system)

    assert list(by_seller.events.values_list("actor", flat=True)) == ["seller:lucia"]
    assert list(by_system.events.values_list("actor", flat=True)) == ["system"]
