"""Every booking change is announced once, inside the service's transaction, to the
listeners registered with bookings.changes (reminders, webhooks and the waitlist use it)."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import changes
from bookings.services import (
    cancel_booking,
    complete_booking,
    create_booking,
    mark_no_show,
    reschedule_booking,
)
from tests.bookings.conftest import personal_page, slot
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    seen: list[changes.BookingChange] = []
    monkeypatch.setattr(changes, "_listeners", [seen.append])
    return seen


def test_create_reschedule_cancel_are_announced_with_the_freed_time(heard) -> None:
    meeting_type, seller = personal_page()
    first, second = slot(days=2, hour=10), slot(days=3, hour=11)
    result = create_booking(
        meeting_type=meeting_type,
        start=first,
        timezone="America/Lima",
        name="Ana",
        email="ana@example.com",
    )
    booking = result.booking
    reschedule_booking(booking=booking, start=second)
    cancel_booking(booking=booking, reason="changed plans")
    cancel_booking(booking=booking)  # already cancelled: no second announcement

    assert [(c.kind, c.booking.pk) for c in heard] == [
        ("created", booking.pk),
        ("rescheduled", booking.pk),
        ("cancelled", booking.pk),
    ]
    moved = heard[1]
    assert (moved.previous_seller_id, moved.previous_start) == (seller.pk, first)
    assert moved.previous_end == first + dt.timedelta(minutes=meeting_type.duration)
    assert moved.booking.start == second


def test_completed_and_no_show_are_announced_once(heard) -> None:
    began = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    held, missed = BookingFactory(start=began), BookingFactory(start=began)

    complete_booking(booking=held)
    complete_booking(booking=held)
    mark_no_show(booking=missed)

    assert [(c.kind, c.booking.pk, c.actor) for c in heard] == [
        ("completed", held.pk, "system"),
        ("no_show", missed.pk, "system"),
    ]


def test_a_listener_that_fails_rolls_the_change_back(monkeypatch) -> None:
    def refuse(change: changes.BookingChange) -> None:
        raise RuntimeError("listener down")

    monkeypatch.setattr(changes, "_listeners", [refuse])
    booking = BookingFactory(start=slot(days=2))

    with pytest.raises(RuntimeError):
        cancel_booking(booking=booking)

    booking.refresh_from_db()
    assert booking.status == "confirmed"
