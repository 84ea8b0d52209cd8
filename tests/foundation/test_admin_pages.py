"""The back office on the demo data: every admin page answers, inlines render, secrets
never leave the server, audit rows stay append-only.

The demo data is built once for the module (inside a transaction rolled back at the end);
each test runs in its own savepoint on top of it.
"""

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingEvent,
    ManageLink,
    Reminder,
    ReminderTemplates,
    SlotLock,
    SmsMessage,
    SmsOptOut,
)
from bookings.outbox.models import SyncJob
from routing.models import RoutingDecision, RoutingState
from sellers.models import CalendarConnection, Seller, SellerMetric
from tests.factories import BusyIntervalFactory, CalendarConnectionFactory, SyncJobFactory
from tests.foundation.conftest import admin_url as url
from waitlist.models import (
    VoiceCall,
    WaitlistCalendarConfig,
    WaitlistEntry,
    WaitlistRule,
    WaitlistSlot,
    WaitlistToken,
)
from waitlist.services.voice import create_api_key
from webhooks import services as webhook_services
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

ACCESS, REFRESH, CHANNEL = "ya29.SECRET-access-x1", "1//SECRET-refresh-x2", "SECRET-channel-x3"
# Tokens are minted only where their plaintext is sent, so their add page is refused.
NO_ADD_PAGE = {WaitlistToken, VoiceCall}
# Webhook events and deliveries are what happened: recorded by the app, never typed in.
NO_ADD_PAGE |= {WebhookEvent, WebhookDelivery}
# Written only by what happens (bookings, texts received, STOP); templates belong to an
# existing meeting type.
NO_ADD_PAGE |= {Reminder, SmsMessage, SmsOptOut, ManageLink, ReminderTemplates}
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
OUR_APPS = {"sellers", "scheduling", "routing", "bookings", "webhooks", "waitlist", "integrations"}
OURS = [model for model in REGISTERED if model._meta.app_label in OUR_APPS]


@pytest.fixture(scope="module")
def everything(django_db_setup, django_db_blocker):
    """The demo data plus one row of every model the demo leaves empty."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_everything()
        transaction.set_rollback(True)


def build_everything() -> dict[str, object]:
    call_command("seed_demo", admin_password="demo-pass-123", stdout=io.StringIO())
    seller = Seller.objects.get(slug="lucia-torres")
    booking = Booking.objects.filter(seller=seller).get()
    connection_ = CalendarConnectionFactory(
        seller=seller, access_token=ACCESS, refresh_token=REFRESH, channel_token=CHANNEL
    )
    now = timezone.now()
    BusyIntervalFactory(seller=seller, connection=connection_)
    SellerMetric.objects.create(seller=seller, country="PE", date=now.date(), bookings=2)
    SyncJobFactory(booking=booking, status=SyncJob.Status.FAILED, last_error="HubSpot 500")
    Reminder.objects.create(  # besides the ones the booking planned
        booking=booking, channel="email", offset_minutes=7, due_at=booking.start
    )
    SmsMessage.objects.create(booking=booking, direction="in", number="+51999999999", body="C")
    SmsOptOut.objects.create(number="+51999999998", keyword="STOP")
    SlotLock.objects.create(key=f"{seller.id}:{booking.start}", owner="w1", expires_at=now)
    RoutingState.objects.create(pool_key="page:x", last_seller=seller, assignments=3)
    config = WaitlistCalendarConfig.objects.create(business_name="Demo clinic")
    slot = WaitlistSlot.objects.create(
        config=config, seller=seller, start=booking.start, end=booking.end
    )
    entry = WaitlistEntry.objects.create(
        slot=slot, first_name="Ana", phone="+51999999999", requested_slot=booking.start
    )
    WaitlistToken.objects.create(entry=entry, token_hash="a" * 64, kind="offer", expires_at=now)
    WaitlistRule.objects.create(page=booking.meeting_type.page)
    create_api_key(config=config, name="n8n")
    VoiceCall.objects.create(config=config, phone="+51999999999", wants_waitlist=True, entry=entry)
    hook = webhook_services.create_subscription(
        url="https://93.184.216.34/hooks", events=["booking.created"]
    )
    webhook_services.send_test_event(hook)
    return {"seller": seller, "booking": booking, "connection": connection_}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_admin_changelist_and_add_page_answer_200(model, client, everything) -> None:
    changelist = client.get(url(model, "changelist"))
    add = client.get(url(model, "add"))

    assert changelist.status_code == 200
    if model._meta.app_label in OUR_APPS:  # the rows render, not just an empty table
        assert changelist.context["cl"].result_count >= 1
    # django-axes keeps its sign-in records read-only (no add page).
    refused = model in NO_ADD_PAGE or model._meta.app_label == "axes"
    assert add.status_code == (403 if refused else 200)


def test_admin_registers_every_model_of_our_apps() -> None:
    models = {m for m in apps.get_models() if m._meta.app_label in OUR_APPS}

    assert models - set(OURS) == set()


@pytest.mark.parametrize("model", OURS, ids=lambda m: m._meta.label)
def test_admin_change_page_answers_200(model, client, everything) -> None:
    obj = model._default_manager.first()

    response = client.get(url(model, "change", obj.pk))

    assert response.status_code == 200


def test_admin_booking_change_page_shows_decision_events_and_jobs(client, everything) -> None:
    booking = everything["booking"]

    response = client.get(url(Booking, "change", booking.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "fixed seller: Lucía Torres (seller chosen by system)" in html
    assert "&quot;name&quot;: &quot;Lucía Torres&quot;" in html  # candidates, pretty-printed
    assert "HubSpot 500" in html  # the failed outbox job
    assert booking.manage_token_hash in html  # shown read-only, never an input
    assert 'name="manage_token_hash"' not in html
    assert 'name="idempotency_key"' not in html


def test_admin_seller_change_page_shows_hours_overrides_and_calendars(client, everything) -> None:
    seller = everything["seller"]

    response = client.get(url(Seller, "change", seller.pk))

    formsets = {fs.formset.prefix: fs.formset for fs in response.context["inline_admin_formsets"]}
    assert response.status_code == 200
    assert {p: f.total_form_count() for p, f in formsets.items()} == {
        "availability_rules": 10,
        "overrides": 0,
        "calendars": 1,
    }


def test_admin_never_shows_calendar_tokens(client, everything) -> None:
    conn, seller = everything["connection"], everything["seller"]

    pages = [
        client.get(url(CalendarConnection, "change", conn.pk)),
        client.get(url(CalendarConnection, "changelist")),
        client.get(url(Seller, "change", seller.pk)),
    ]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "SECRET" not in html
        assert 'name="access_token"' not in html
        assert "refresh_token" not in html
    assert "token stored" in pages[1].content.decode().lower()


def test_admin_editing_a_connection_keeps_its_tokens(client, everything) -> None:
    conn = CalendarConnection.objects.get(pk=everything["connection"].pk)
    data = {
        "seller": conn.seller_id,
        "provider": "google",
        "account_email": "new@meetroute.example",
        "status": "active",
        "busy_calendar_ids": '["primary", "team"]',
        "write_calendar_id": "primary",
    }

    response = client.post(url(CalendarConnection, "change", conn.pk), data)

    conn.refresh_from_db()
    assert response.status_code == 302
    assert (conn.account_email, conn.access_token, conn.refresh_token, conn.channel_token) == (
        "new@meetroute.example",
        ACCESS,
        REFRESH,
        CHANNEL,
    )


def test_admin_routing_decision_and_booking_event_are_append_only(client, everything) -> None:
    decision = RoutingDecision.objects.first()
    event = BookingEvent.objects.first()

    responses = [
        client.post(url(RoutingDecision, "change", decision.pk), {"reason": "edited"}),
        client.post(url(BookingEvent, "change", event.pk), {"actor": "edited"}),
        client.post(url(RoutingDecision, "delete", decision.pk), {"post": "yes"}),
        client.post(url(BookingEvent, "delete", event.pk), {"post": "yes"}),
    ]

    decision.refresh_from_db()
    event.refresh_from_db()
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert decision.reason != "edited"
    assert event.actor != "edited"
