"""factory-boy factories for every model the tests create."""

import datetime as dt
import hashlib
import secrets

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.models import Booking
from bookings.outbox.models import SyncJob
from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType, SchedulingPage
from sellers.models import BusyInterval, CalendarConnection, Seller, Team, TeamMembership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"Seller {n}")
    email = factory.Sequence(lambda n: f"seller{n}@example.com")
    slug = factory.Sequence(lambda n: f"seller-{n}")
    country = "PE"
    region = "LATAM"
    timezone = "America/Lima"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")

    @factory.post_generation
    def sellers(self, create: bool, extracted: list[Seller] | None, **kwargs: object) -> None:
        for seller in extracted or []:
            TeamMembership.objects.create(team=self, seller=seller)


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchedulingPage

    slug = factory.Sequence(lambda n: f"page-{n}")
    name = factory.Sequence(lambda n: f"Page {n}")
    timezone = "America/Lima"
    seller = factory.SubFactory(SellerFactory)


class MeetingTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingType

    page = factory.SubFactory(PageFactory)
    slug = factory.Sequence(lambda n: f"meeting-{n}")
    name = "Discovery call"
    duration = 30
    slot_interval = 30
    location_type = "google_meet"
    min_notice = 0


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    seller = factory.SubFactory(SellerFactory)
    weekday = 0
    start = dt.time(9)
    end = dt.time(17)


class OverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityOverride

    seller = factory.SubFactory(SellerFactory)
    date = dt.date(2026, 12, 24)


class BookingFactory(factory.django.DjangoModelFactory):
    """A confirmed booking; ``blocked_*`` default to the meeting widened by its type's buffers."""

    class Meta:
        model = Booking

    meeting_type = factory.SubFactory(MeetingTypeFactory)
    seller = factory.LazyAttribute(lambda b: b.meeting_type.page.seller or SellerFactory())
    start = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    )
    end = factory.LazyAttribute(lambda b: b.start + dt.timedelta(minutes=b.meeting_type.duration))
    blocked_start = factory.LazyAttribute(
        lambda b: b.start - dt.timedelta(minutes=b.meeting_type.buffer_before)
    )
    blocked_end = factory.LazyAttribute(
        lambda b: b.end + dt.timedelta(minutes=b.meeting_type.buffer_after)
    )
    timezone = "America/Lima"
    name = "Ana Prospect"
    email = factory.Sequence(lambda n: f"prospect{n}@example.com")
    location_type = factory.LazyAttribute(lambda b: b.meeting_type.location_type)
    manage_token_hash = factory.LazyFunction(
        lambda: hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    )
    manage_token_expires_at = factory.LazyAttribute(lambda b: b.end + dt.timedelta(days=7))


class CalendarConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarConnection

    seller = factory.SubFactory(SellerFactory)
    provider = "google"
    account_email = factory.LazyAttribute(lambda c: c.seller.email)
    busy_calendar_ids = ["primary"]
    access_token = "ya29.access-token"
    refresh_token = "1//refresh-token"


class BusyIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusyInterval

    seller = factory.SubFactory(SellerFactory)
    start = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    end = factory.LazyAttribute(lambda b: b.start + dt.timedelta(hours=1))
    source = "primary"


class SyncJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncJob

    booking = factory.SubFactory(BookingFactory)
    target = "calendar"
    action = "create"
    not_before = factory.LazyFunction(timezone.now)
