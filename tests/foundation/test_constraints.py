"""Database constraints, written straight through the ORM to bypass every service."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from bookings.models import Booking
from bookings.outbox.models import SyncJob
from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType, SchedulingPage
from tests.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    MeetingTypeFactory,
    SellerFactory,
    SyncJobFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)


def book(seller, start, minutes=30, **kwargs):
    meeting_type = kwargs.pop("meeting_type", None) or MeetingTypeFactory(page__seller=seller)
    return BookingFactory(
        seller=seller,
        meeting_type=meeting_type,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        **kwargs,
    )


def test_overlapping_confirmed_bookings_rejected_by_database() -> None:
    seller = SellerFactory()
    book(seller, START)
    with pytest.raises(IntegrityError), transaction.atomic():
        book(seller, START + dt.timedelta(minutes=15))
    assert Booking.objects.filter(seller=seller).count() == 1


def test_overlap_counts_buffers() -> None:
    seller = SellerFactory()
    meeting_type = MeetingTypeFactory(page__seller=seller, buffer_after=15)
    book(seller, START, meeting_type=meeting_type)
    with pytest.raises(IntegrityError), transaction.atomic():
        book(seller, START + dt.timedelta(minutes=40))


def test_back_to_back_bookings_accepted() -> None:
    seller = SellerFactory()
    book(seller, START)
    book(seller, START + dt.timedelta(minutes=30))
    book(seller, START - dt.timedelta(minutes=30))
    assert Booking.objects.filter(seller=seller).count() == 3


def test_cancelled_booking_does_not_block() -> None:
    seller = SellerFactory()
    book(seller, START, status="cancelled")
    book(seller, START)
    assert Booking.objects.filter(seller=seller, status="confirmed").count() == 1


def test_overlap_allowed_for_different_sellers() -> None:
    book(SellerFactory(), START)
    book(SellerFactory(), START)
    assert Booking.objects.count() == 2


def test_cancelling_then_rebooking_the_same_time_accepted() -> None:
    seller = SellerFactory()
    first = book(seller, START)
    first.status = "cancelled"
    first.save()
    book(seller, START)
    with pytest.raises(IntegrityError), transaction.atomic():
        first.status = "confirmed"
        first.save()


def test_booking_end_must_follow_start() -> None:
    seller = SellerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        book(seller, START, minutes=0)


def test_unique_idempotency_key() -> None:
    seller = SellerFactory()
    book(seller, START, idempotency_key="key-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        book(seller, START + dt.timedelta(hours=2), idempotency_key="key-1")


def test_page_needs_exactly_one_owner() -> None:
    seller, team = SellerFactory(), TeamFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SchedulingPage.objects.create(
            slug="both", name="Both", timezone="UTC", seller=seller, team=team
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SchedulingPage.objects.create(slug="none", name="None", timezone="UTC")
    SchedulingPage.objects.create(slug="team", name="Team", timezone="UTC", team=team)
    SchedulingPage.objects.create(slug="mine", name="Mine", timezone="UTC", seller=seller)
    assert SchedulingPage.objects.count() == 2


def test_page_slug_unique() -> None:
    seller = SellerFactory()
    SchedulingPage.objects.create(slug="same", name="A", timezone="UTC", seller=seller)
    with pytest.raises(IntegrityError), transaction.atomic():
        SchedulingPage.objects.create(slug="same", name="B", timezone="UTC", seller=seller)


def test_meeting_type_slug_unique_per_page() -> None:
    first = MeetingTypeFactory(slug="intro")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingTypeFactory(slug="intro", page=first.page)
    MeetingTypeFactory(slug="intro")  # another page may reuse it
    assert MeetingType.objects.filter(slug="intro").count() == 2


def test_seller_slug_and_email_unique() -> None:
    SellerFactory(slug="ana", email="ana@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        SellerFactory(slug="ana")
    with pytest.raises(IntegrityError), transaction.atomic():
        SellerFactory(email="ana@example.com")


def test_availability_weekday_range() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AvailabilityRuleFactory(weekday=7)
    AvailabilityRuleFactory(weekday=6)
    assert AvailabilityRule.objects.count() == 1


def test_availability_start_before_end() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AvailabilityRuleFactory(start=dt.time(17), end=dt.time(9))
    with pytest.raises(IntegrityError), transaction.atomic():
        AvailabilityRuleFactory(start=dt.time(9), end=dt.time(9))


def test_override_times_consistent() -> None:
    seller = SellerFactory()
    day = dt.date(2026, 12, 24)
    AvailabilityOverride.objects.create(seller=seller, date=day, available=False)
    AvailabilityOverride.objects.create(
        date=day, available=False, start=dt.time(9), end=dt.time(12)
    )
    for bad in (
        {"available": True},  # replacement hours need times
        {"available": False, "start": dt.time(9)},
        {"available": True, "start": dt.time(12), "end": dt.time(9)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            AvailabilityOverride.objects.create(seller=seller, date=day, **bad)
    assert AvailabilityOverride.objects.count() == 2


def test_sync_job_one_pending_per_booking_target_action() -> None:
    job = SyncJobFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncJobFactory(booking=job.booking)
    job.status = SyncJob.Status.DONE
    job.save()
    SyncJobFactory(booking=job.booking)
    SyncJobFactory(booking=job.booking, target="hubspot")
    assert SyncJob.objects.filter(booking=job.booking).count() == 3
