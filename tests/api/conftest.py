"""A small world for fuzzing the whole API: one team page with a meeting type, a personal
page, a booking with a known manage token, and a staff token."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from knox.models import AuthToken

from bookings.tokens import hash_token, new_token
from tests.bookings.conftest import personal_page, slot, team_page
from tests.factories import BookingFactory, OverrideFactory, StaffFactory
from waitlist.models import WaitlistCalendarConfig
from waitlist.services.join import join_waitlist
from waitlist.services.voice import create_api_key
from webhooks.models import WebhookSubscription
from webhooks.services import send_test_event


@dataclass(frozen=True)
class World:
    staff_token: str
    manage_token: str
    path_values: dict[str, str]
    sellers: list[str]
    free_slot: str

    @property
    def free_slot_datetime(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.free_slot)


@contextlib.contextmanager
def in_test_transaction() -> Iterator[None]:
    """Requests through the raw WSGI app would close the test's connection (and so its
    transaction) on request start/finish; Django's own test client unhooks the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(db) -> World:
    meeting_type, sellers = team_page()
    personal, _seller = personal_page()
    token = new_token()
    booking = BookingFactory(
        meeting_type=meeting_type,
        seller=sellers[0],
        start=slot(days=5, hour=12),
        manage_token_hash=hash_token(token),
    )
    booking.manage_token_expires_at = booking.end + dt.timedelta(days=7)
    booking.save()
    override = OverrideFactory(seller=sellers[1])
    hook = WebhookSubscription.objects.create(
        url="http://127.0.0.1:9/hook", events=["booking.created"], secret="s" * 32
    )
    delivery = send_test_event(hook)
    for other in sellers[1:]:  # the whole team taken then: a time to wait for
        BookingFactory(meeting_type=meeting_type, seller=other, start=booking.start)
    business = WaitlistCalendarConfig.objects.create(business_name="Fuzz", page=meeting_type.page)
    _key_row, api_key = create_api_key(config=business, name="fuzz")
    waiting = join_waitlist(
        meeting_type=meeting_type,
        start=booking.start,
        timezone_name="America/Lima",
        first_name="Wai",
        phone="+51 912 345 679",
    )
    # A superuser: staff rights may come to depend on model permissions.
    staff = StaffFactory(username="fuzz-staff", is_superuser=True)
    return World(
        staff_token=AuthToken.objects.create(user=staff)[1],
        manage_token=token,
        path_values={
            "page": meeting_type.page.slug,
            "meeting_type": meeting_type.slug,
            "token": token,
            "booking": str(booking.pk),
            "seller": str(sellers[2].pk),
            "override": str(override.pk),
            "team": str(meeting_type.page.team_id),
            "page_id": str(personal.page_id),
            "meeting_type_id": str(personal.pk),
            "webhook": str(hook.pk),
            "calendar_config": str(business.pk),
            "waitlist_entry": str(waiting.entry.pk),
            "waitlist_slot": str(waiting.entry.slot_id),
            "waitlist_token": waiting.token,
            "api_key": api_key,
            "taken_slot": booking.start.isoformat(),
            "delivery_id": str(delivery.pk),
        },
        sellers=[str(seller.pk) for seller in sellers],
        free_slot=slot(days=6, hour=11).isoformat(),
    )
