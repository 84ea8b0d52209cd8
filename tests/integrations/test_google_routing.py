"""The calendar in the booking path: a broken calendar keeps its seller out of routing (and
the decision says so); the live re-check refuses a seller busy in Google and, when it cannot
ask, books on the database's word and records ``recheck_skipped``."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import BookingEvent
from bookings.services import create_booking
from bookings.services.manage import reschedule_booking
from config.errors import DomainError
from integrations.circuit import CircuitBreaker
from routing.models import RoutingState
from scheduling.selectors import eligible_sellers
from tests.bookings.conftest import slot, team_page
from tests.factories import CalendarConnectionFactory
from tests.integrations.fake_google import FakeGoogle

pytestmark = pytest.mark.django_db


@pytest.fixture
def google(settings, monkeypatch):
    breaker = CircuitBreaker("calendar")
    breaker.reset()
    with FakeGoogle() as fake:
        settings.GOOGLE_CLIENT_ID = fake.client_id
        settings.GOOGLE_CLIENT_SECRET = fake.client_secret
        settings.GOOGLE_API_ENDPOINT = fake.api_endpoint
        settings.GOOGLE_TOKEN_URI = fake.token_uri
        settings.GOOGLE_LIVE_CHECK_TIMEOUT = 0.5
        yield fake
    breaker.reset()


def connect(fake, seller, status="active"):
    access, refresh = fake.grant()
    return CalendarConnectionFactory(
        seller=seller,
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=1),
        status=status,
    )


def book(meeting_type, start, n=0):
    return create_booking(
        meeting_type=meeting_type,
        start=start,
        timezone="America/Lima",
        name=f"Prospect {n}",
        email=f"prospect{n}@example.com",
    ).booking


def kinds(booking):
    return list(booking.events.values_list("kind", flat=True))


def test_broken_calendar_keeps_the_seller_out_of_routing_and_the_decision_says_why(google):
    meeting_type, (first, second) = team_page(2, location_type="phone")
    connect(google, first, status="broken")

    booking = book(meeting_type, slot())

    assert eligible_sellers(meeting_type.page) == [second]
    assert booking.seller == second
    assert f"left out, calendar broken: {first.name}" in booking.routing_decision.reason


def test_seller_busy_in_google_is_not_booked(google):
    meeting_type, (seller,) = team_page(1, location_type="phone")
    connect(google, seller)
    start = slot()
    google.put_event("primary", start, start + dt.timedelta(hours=1))

    with pytest.raises(DomainError):
        book(meeting_type, start)


def test_first_pick_busy_in_google_goes_to_the_next_asking_google_once(google):
    """The first candidate is tried without a savepoint; found busy, the transaction is
    rolled back and the others are tried without asking its calendar again."""
    meeting_type, (first, second) = team_page(2, location_type="phone")
    RoutingState.objects.create(pool_key=f"page:{meeting_type.page_id}", last_seller=second)
    connect(google, first)
    start = slot()
    google.put_event("primary", start, start + dt.timedelta(hours=1))

    booking = book(meeting_type, start)

    assert booking.seller == second
    assert len(google.calls("POST", "/freeBusy")) == 1
    assert "taken a moment ago, so the next candidate got it" in booking.routing_decision.reason


def test_live_check_timeout_books_on_the_database_word_and_says_so(google):
    meeting_type, (seller,) = team_page(1, location_type="phone")
    connect(google, seller)
    google.hang_next(seconds=2)

    booking = book(meeting_type, slot())

    assert kinds(booking) == [BookingEvent.Kind.CREATED, BookingEvent.Kind.RECHECK_SKIPPED]
    skipped = booking.events.get(kind=BookingEvent.Kind.RECHECK_SKIPPED)
    assert "timed out" in skipped.data["reason"]


def test_no_calendar_means_no_recheck_event(google):
    meeting_type, _ = team_page(1, location_type="phone")

    booking = book(meeting_type, slot())

    assert kinds(booking) == [BookingEvent.Kind.CREATED]


def test_reschedule_overlapping_its_own_event_is_allowed(
    google, django_capture_on_commit_callbacks
):
    meeting_type, (seller,) = team_page(1, location_type="phone", duration=60)
    connect(google, seller)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(meeting_type, slot(hour=10))
    assert google.live_events("primary")[0]["id"] == booking.id.hex

    moved = reschedule_booking(booking=booking, start=slot(hour=10, minute=30))

    assert moved.start == slot(hour=10, minute=30)
    assert BookingEvent.Kind.RECHECK_SKIPPED not in kinds(moved)
