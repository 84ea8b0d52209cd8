"""Google Calendar through the real google-api-python-client / google-auth / oauthlib,
against a fake Google speaking Calendar v3 and the OAuth token endpoint on a local socket."""

import datetime as dt
import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.outbox import calendar as sync
from bookings.outbox.models import SyncJob
from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.calendar.base import GrantRevoked
from integrations.circuit import CircuitBreaker
from scheduling import cache as slot_cache
from sellers.calendar import freebusy, live_check, push
from sellers.calendar.live_check import seller_is_free
from sellers.models import BusyInterval, CalendarConnection
from tests.factories import (
    BookingFactory,
    CalendarConnectionFactory,
    SellerFactory,
    StaffFactory,
    SyncJobFactory,
)
from tests.integrations.fake_google import FakeGoogle

NOW = timezone.now().replace(second=0, microsecond=0)
WEBHOOK = "/integrations/google/notifications/"


@pytest.fixture
def google(settings, monkeypatch):
    with FakeGoogle() as fake:
        settings.GOOGLE_CLIENT_ID = fake.client_id
        settings.GOOGLE_CLIENT_SECRET = fake.client_secret
        settings.GOOGLE_API_ENDPOINT = fake.api_endpoint
        settings.GOOGLE_TOKEN_URI = fake.token_uri
        settings.GOOGLE_AUTH_URI = fake.url + "/o/oauth2/auth"
        settings.GOOGLE_REDIRECT_URI = "http://testserver/integrations/google/callback/"
        settings.GOOGLE_TIMEOUT = 1.0
        settings.GOOGLE_PUSH_ADDRESS = "https://book.example.com" + WEBHOOK
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain HTTP
        yield fake


@pytest.fixture
def breaker():
    breaker = CircuitBreaker("calendar")
    breaker.reset()
    yield breaker
    breaker.reset()


@pytest.fixture
def conn(db, google, breaker):
    access, refresh = google.grant()
    return CalendarConnectionFactory(
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=1),
        busy_calendar_ids=["primary"],
    )


def meet_booking(conn, **kwargs):
    booking = BookingFactory(
        seller=conn.seller, answers={"Team size": "12", "Goals": ["CRM", "Routing"]}, **kwargs
    )
    return booking


def run(booking, action, **payload):
    job = SyncJobFactory(booking=booking, action=action, payload=payload, status="running")
    try:
        sync.handle(job)
    finally:
        booking.refresh_from_db()
    return job


# --- OAuth ---------------------------------------------------------------------------
def start_oauth(client, seller):
    response = client.get(f"/integrations/google/connect/{seller.pk}/")
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}


def test_oauth_callback_stores_encrypted_tokens(
    db, google, breaker, django_capture_on_commit_callbacks
):
    seller = SellerFactory()
    client = Client()
    client.force_login(StaffFactory())

    asked = start_oauth(client, seller)
    code = google.authorize(asked["code_challenge"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            "/integrations/google/callback/", {"state": asked["state"], "code": code}
        )

    assert (asked["access_type"], asked["prompt"], asked["code_challenge_method"]) == (
        "offline",
        "consent",
        "S256",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sellers_seller_change", args=[seller.pk])
    connection = CalendarConnection.objects.get(seller=seller)
    assert (connection.account_email, connection.status) == (google.account_email, "active")
    assert connection.refresh_token in google.refresh_tokens
    assert connection.access_token in google.access_tokens
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM sellers_calendarconnection WHERE id = %s",
            [connection.pk],
        )
        stored = cursor.fetchone()
    assert stored[0] != connection.access_token and stored[1] != connection.refresh_token
    assert stored[1].startswith("gAAAAA")  # a Fernet token, not the plaintext
    # After commit: first busy refresh and a push channel for the new connection.
    assert connection.refresh_token and len(google.channels) == 1


def test_oauth_callback_with_a_wrong_state_is_rejected(db, google):
    seller = SellerFactory()
    client = Client()
    client.force_login(StaffFactory())
    asked = start_oauth(client, seller)
    code = google.authorize(asked["code_challenge"])

    response = client.get("/integrations/google/callback/", {"state": "forged", "code": code})

    assert response.status_code == 400
    assert not CalendarConnection.objects.exists()
    assert google.calls("POST", "/token") == []


def test_oauth_start_is_staff_only(db, google):
    seller = SellerFactory()

    response = Client().get(f"/integrations/google/connect/{seller.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- tokens --------------------------------------------------------------------------
def test_expired_access_token_is_refreshed_and_stored(conn, google):
    google.expire_access_tokens()
    old = conn.access_token
    CalendarConnection.objects.filter(pk=conn.pk).update(
        token_expires_at=timezone.now() - dt.timedelta(minutes=5)
    )
    conn.refresh_from_db()

    freebusy.refresh_connection(conn)

    conn.refresh_from_db()
    assert len(google.calls("POST", "/token")) == 1
    assert conn.access_token != old and conn.access_token in google.access_tokens
    assert conn.token_expires_at > timezone.now()


def test_access_token_rejected_with_401_is_refreshed_and_the_call_retried(conn, google):
    google.expire_access_tokens()  # our expiry says valid; Google says 401

    freebusy.refresh_connection(conn)

    conn.refresh_from_db()
    assert len(google.calls("POST", "/token")) == 1
    assert len(google.calls("POST", "/freeBusy")) == 2
    assert conn.access_token in google.access_tokens


def test_revoked_grant_marks_the_connection_broken(conn, google):
    google.revoke(conn.refresh_token)
    booking = meet_booking(conn)

    with pytest.raises(GrantRevoked):
        run(booking, "create")

    conn.refresh_from_db()
    assert conn.status == "broken"
    assert "invalid_grant" in conn.last_error
    assert isinstance(GrantRevoked("g", "x"), ProviderPermanentError)


# --- free/busy -----------------------------------------------------------------------
def test_free_busy_fills_busy_interval_and_replaces_it(conn, google):
    first = google.put_event("primary", NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=3))
    google.put_event("primary", NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=1, hours=1))

    assert freebusy.refresh_connection(conn) == 2
    google.remove_event("primary", first)
    freebusy.refresh_connection(conn)

    rows = list(BusyInterval.objects.filter(seller=conn.seller).values_list("start", "end"))
    assert rows == [(NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=1, hours=1))]
    conn.refresh_from_db()
    assert conn.last_synced_at is not None and conn.last_error == ""


def test_free_busy_leaves_out_our_own_booking_events(conn, google):
    booking = meet_booking(conn)
    run(booking, "create")
    google.put_event("primary", NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=3))

    assert freebusy.refresh_connection(conn) == 1
    assert list(BusyInterval.objects.values_list("start", flat=True)) == [
        NOW + dt.timedelta(hours=2)
    ]


def test_free_busy_asks_at_most_50_calendars_and_90_days_per_call(conn, google):
    calendars = [f"cal{i}" for i in range(120)]
    for calendar_id in calendars:
        google.put_event(calendar_id, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    conn.busy_calendar_ids = calendars
    conn.save()

    written = freebusy.refresh_connection(conn, start=NOW, end=NOW + dt.timedelta(days=100))

    calls = google.calls("POST", "/freeBusy")
    assert len(calls) == 6  # 3 chunks of calendars × 2 windows
    assert sorted(len(call.json()["items"]) for call in calls) == [20, 20, 50, 50, 50, 50]
    assert written == 120


# --- events --------------------------------------------------------------------------
def test_create_job_run_twice_creates_one_event_with_a_meet_link(conn, google):
    booking = meet_booking(conn, location_type="google_meet")

    run(booking, "create", manage_url="https://book.example.com/m/abc")
    run(booking, "create", manage_url="https://book.example.com/m/abc")

    events = google.live_events("primary")
    assert [event["id"] for event in events] == [booking.id.hex]
    assert booking.calendar_event_id == booking.id.hex
    assert booking.meeting_url == events[0]["hangoutLink"]
    assert booking.meeting_url.startswith("https://meet.google.com/")
    assert [a["email"] for a in events[0]["attendees"]] == [booking.email]
    assert "Team size: 12" in events[0]["description"]
    assert "Goals: CRM, Routing" in events[0]["description"]
    assert "https://book.example.com/m/abc" in events[0]["description"]
    inserts = google.calls("POST", "/calendars/primary/events")
    assert [call.query.get("conferenceDataVersion") for call in inserts] == [["1"], ["1"]]


def test_pending_meet_link_is_a_transient_error_then_stored(conn, google):
    booking = meet_booking(conn, location_type="google_meet")
    google.meet_pending = True
    with pytest.raises(ProviderTransientError):
        run(booking, "create")
    assert booking.calendar_event_id == booking.id.hex and booking.meeting_url == ""

    google.meet_pending = False
    google.events["primary"][booking.id.hex].pop("conferenceData")  # Google finished it
    run(booking, "create")

    assert booking.meeting_url.startswith("https://meet.google.com/")
    assert len(google.live_events("primary")) == 1


def test_reschedule_patches_and_cancel_deletes(conn, google):
    booking = meet_booking(conn, location_type="phone", location="+51 1 555 0100")
    run(booking, "create")
    for field in ("start", "end", "blocked_start", "blocked_end"):
        setattr(booking, field, getattr(booking, field) + dt.timedelta(days=1))
    booking.save()

    run(booking, "update")
    event = google.events["primary"][booking.id.hex]
    assert dt.datetime.fromisoformat(event["start"]["dateTime"]) == booking.start
    assert event["location"] == "+51 1 555 0100" and booking.meeting_url == ""
    assert len(google.calls("PATCH", f"/events/{booking.id.hex}")) == 1

    run(booking, "cancel")
    run(booking, "cancel")  # Google answers 410 Gone: counts as done

    assert google.live_events("primary") == []
    assert len(google.calls("DELETE", f"/events/{booking.id.hex}")) == 2


def test_update_of_a_missing_event_inserts_it(conn, google):
    booking = meet_booking(conn, location_type="phone")

    run(booking, "update")

    assert [event["id"] for event in google.live_events("primary")] == [booking.id.hex]


@pytest.mark.parametrize(
    ("fail", "retry_after"),
    [({"status": 500}, None), ({"status": 503}, None), ({"status": 429, "retry_after": 7}, 7.0)],
)
def test_server_errors_and_rate_limits_are_transient(conn, google, fail, retry_after):
    booking = meet_booking(conn)
    google.fail_next(**fail)

    with pytest.raises(ProviderTransientError) as caught:
        run(booking, "create")

    assert caught.value.retry_after == retry_after


def test_a_hanging_google_is_a_transient_error_bounded_by_the_timeout(conn, google, settings):
    settings.GOOGLE_TIMEOUT = 0.5
    booking = meet_booking(conn)
    google.hang_next(seconds=3)

    started = time.monotonic()
    with pytest.raises(ProviderTransientError, match="timed out"):
        run(booking, "create")

    assert time.monotonic() - started < 2


def test_a_bad_request_is_permanent(conn, google):
    booking = meet_booking(conn)
    google.fail_next(status=400)

    with pytest.raises(ProviderPermanentError):
        run(booking, "create")


def test_job_for_a_seller_without_calendar_is_permanent(db, google):
    booking = BookingFactory()

    with pytest.raises(ProviderPermanentError, match="no active calendar"):
        sync.handle(SyncJobFactory(booking=booking))


# --- push ----------------------------------------------------------------------------
def notify(client, conn, token, state="exists"):
    return client.post(
        WEBHOOK,
        headers={
            "X-Goog-Channel-ID": conn.channel_id,
            "X-Goog-Channel-Token": token,
            "X-Goog-Resource-State": state,
            "X-Goog-Resource-ID": conn.channel_resource_id,
        },
    )


def test_push_notification_with_a_wrong_token_is_rejected(conn, google):
    push.start_channel(conn)
    conn.refresh_from_db()
    google.put_event("primary", NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    client = Client()

    wrong = notify(client, conn, "not-the-token")
    unknown = client.post(
        WEBHOOK, headers={"X-Goog-Channel-ID": "nope", "X-Goog-Channel-Token": "x"}
    )

    assert (wrong.status_code, unknown.status_code) == (403, 404)
    assert not BusyInterval.objects.exists()


def test_push_notification_with_the_right_token_updates_busy_time(
    conn, google, django_capture_on_commit_callbacks
):
    push.start_channel(conn)
    conn.refresh_from_db()
    assert google.channels[conn.channel_id]["token"] == conn.channel_token
    versions_before = slot_cache.versions([conn.seller_id])
    event_id = google.put_event("primary", NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    client = Client()

    with django_capture_on_commit_callbacks(execute=True):
        response = notify(client, conn, conn.channel_token)

    assert response.status_code == 200
    rows = list(BusyInterval.objects.values_list("external_id", "start", "end"))
    assert rows == [(event_id, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))]
    assert slot_cache.versions([conn.seller_id]) != versions_before

    google.move_event("primary", event_id, NOW + dt.timedelta(hours=5), NOW + dt.timedelta(hours=6))
    with django_capture_on_commit_callbacks(execute=True):
        notify(client, conn, conn.channel_token)

    rows = list(BusyInterval.objects.values_list("external_id", "start"))
    assert rows == [(event_id, NOW + dt.timedelta(hours=5))]
    lists = google.calls("GET", "/calendars/primary/events")
    assert "syncToken" in lists[-1].query  # incremental, not a full listing


def test_stale_sync_token_means_a_full_resync(conn, google):
    google.put_event("primary", NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    push.sync_events(conn)
    google.expire_sync_tokens()
    second = google.put_event("primary", NOW + dt.timedelta(hours=3), NOW + dt.timedelta(hours=4))
    google.put_event(
        "primary",
        NOW + dt.timedelta(hours=7),
        NOW + dt.timedelta(hours=8),
        transparency="transparent",
    )

    push.sync_events(conn)

    assert BusyInterval.objects.count() == 2
    assert BusyInterval.objects.filter(external_id=second).exists()
    assert google.calls("GET", "/calendars/primary/events")[-2].query.get("syncToken")
    assert "timeMin" in google.calls("GET", "/calendars/primary/events")[-1].query


def test_our_own_booking_events_do_not_count_as_busy(conn, google):
    booking = meet_booking(conn)
    run(booking, "create")

    push.sync_events(conn)

    assert not BusyInterval.objects.exists()


def test_no_channel_without_a_public_https_address(conn, google, settings):
    settings.GOOGLE_PUSH_ADDRESS = "http://127.0.0.1:8000" + WEBHOOK

    push.start_channel(conn)

    assert (conn.channel_id, google.channels) == ("", {})
    assert push.renew_channels() == 0


def test_channels_are_renewed_before_they_expire(conn, google):
    push.start_channel(conn)
    conn.refresh_from_db()
    first = conn.channel_id

    assert push.renew_channels() == 0
    assert push.renew_channels(now=timezone.now() + dt.timedelta(days=6, hours=12)) == 1

    conn.refresh_from_db()
    assert conn.channel_id != first and list(google.channels) == [conn.channel_id]


# --- live check ----------------------------------------------------------------------
def test_live_check_true_when_free_false_when_busy(conn, google):
    google.put_event("primary", NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=3))

    free = seller_is_free(conn.seller, NOW + dt.timedelta(hours=4), NOW + dt.timedelta(hours=5))
    busy = seller_is_free(
        conn.seller, NOW + dt.timedelta(hours=2, minutes=30), NOW + dt.timedelta(hours=4)
    )

    assert (free, busy) == (True, False)


def test_live_check_none_without_calendar(db, google, breaker):
    answer = live_check.check(SellerFactory(), NOW, NOW + dt.timedelta(hours=1))

    assert (answer.free, answer.skipped) == (None, False)


def test_live_check_ignores_the_event_of_the_booking_being_moved(conn, google):
    booking = meet_booking(conn)
    run(booking, "create")
    later = booking.start + dt.timedelta(minutes=15)

    moved = seller_is_free(
        conn.seller, later, later + dt.timedelta(minutes=30), ignore=[(booking.start, booking.end)]
    )
    other = seller_is_free(conn.seller, later, later + dt.timedelta(minutes=30))

    assert (moved, other) == (True, False)


def test_live_check_none_on_timeout(conn, google):
    google.hang_next(seconds=3)

    started = time.monotonic()
    answer = live_check.check(conn.seller, NOW, NOW + dt.timedelta(hours=1), timeout=0.3)

    assert (answer.free, answer.skipped) == (None, True)
    assert time.monotonic() - started < 1.5


def test_live_check_none_when_the_circuit_is_open(conn, google, breaker, settings):
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    google.fail_next(2, status=503)
    for _ in range(2):
        assert seller_is_free(conn.seller, NOW, NOW + dt.timedelta(hours=1)) is None
    calls = len(google.calls("POST", "/freeBusy"))

    answer = seller_is_free(conn.seller, NOW, NOW + dt.timedelta(hours=1))

    assert (answer, breaker.state()) == (None, "open")
    assert len(google.calls("POST", "/freeBusy")) == calls  # not even asked


def test_live_check_false_for_a_broken_connection(conn, google):
    conn.status = "broken"
    conn.save()

    assert seller_is_free(conn.seller, NOW, NOW + dt.timedelta(hours=1)) is False


# --- wiring --------------------------------------------------------------------------
def test_calendar_tasks_are_discovered_by_the_worker():
    from config.celery import app

    app.loader.import_default_modules()

    assert {
        "integrations.calendar.sync_events",
        "integrations.calendar.refresh_busy",
        "integrations.calendar.refresh_connection_busy",
        "integrations.calendar.renew_channels",
    } <= set(app.tasks)


def test_outbox_handler_for_calendar_is_this_module():
    from bookings.outbox import handlers

    assert handlers.get_handler(SyncJob.Target.CALENDAR) is sync.handle


def test_seller_admin_shows_calendar_health_and_the_connect_link(conn):
    CalendarConnection.objects.filter(pk=conn.pk).update(
        status="broken", last_error="google_calendar: token refresh refused: invalid_grant"
    )
    client = Client()
    client.force_login(StaffFactory())

    page = client.get(reverse("admin:sellers_seller_change", args=[conn.seller_id]))

    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="/integrations/google/connect/{conn.seller_id}/"' in html
    assert "Broken (reconnect needed)" in html and "invalid_grant" in html
    assert conn.refresh_token not in html


# --- service account -----------------------------------------------------------------
@pytest.fixture
def shared_calendar(google, settings, tmp_path, breaker):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "meetroute",
                "private_key_id": "key-1",
                "private_key": pem,
                "client_email": "calendar@meetroute.iam.gserviceaccount.com",
                "client_id": "1234",
                "token_uri": google.token_uri,
            }
        )
    )
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(path)
    settings.GOOGLE_SHARED_CALENDAR_ID = "sales@group.calendar.google.com"
    return settings.GOOGLE_SHARED_CALENDAR_ID


def test_service_account_with_impersonation_invites_and_adds_meet(
    db, google, shared_calendar, settings
):
    settings.GOOGLE_IMPERSONATE_USER = "calendar-bot@example.com"
    booking = BookingFactory(location_type="google_meet")

    run(booking, "create")
    run(booking, "create")

    [event] = google.live_events(shared_calendar)
    assert event["id"] == booking.id.hex
    assert [a["email"] for a in event["attendees"]] == [booking.email, booking.seller.email]
    assert booking.meeting_url == event["hangoutLink"]
    assert google.jwt_grants == 2  # one signed-assertion token per client built
    assert google.jwt_subjects == ["calendar-bot@example.com"] * 2


def test_service_account_without_impersonation_writes_no_attendees_or_meet(
    db, google, shared_calendar, settings
):
    """Regression: events always invited the prospect and seller, which Google refuses from
    a service account without domain-wide delegation (403 forbiddenForServiceAccounts)."""
    settings.GOOGLE_IMPERSONATE_USER = ""
    booking = BookingFactory(location_type="google_meet")

    run(booking, "create")

    [event] = google.live_events(shared_calendar)
    assert not event.get("attendees") and "conferenceData" not in event
    assert booking.meeting_url == ""
    assert google.jwt_subjects == [None]


def test_fake_google_refuses_attendees_from_an_undelegated_service_account(
    db, google, shared_calendar, settings
):
    from integrations.calendar import service_account
    from integrations.calendar.base import Attendee, EventSpec

    settings.GOOGLE_IMPERSONATE_USER = ""
    spec = EventSpec(
        summary="s",
        start=NOW,
        end=NOW + dt.timedelta(minutes=30),
        timezone="UTC",
        description="",
        location="",
        attendees=(Attendee("p@example.com", "P"),),
        with_meet=False,
        request_id="r1",
        booking_ref="r1",
    )

    with pytest.raises(ProviderPermanentError, match="403"):
        service_account.provider().create_event(shared_calendar, "abc12345", spec)


def test_seller_admin_says_what_service_account_mode_does(settings, shared_calendar):
    from integrations.calendar import service_account

    settings.GOOGLE_IMPERSONATE_USER = ""
    assert "without attendees or Google Meet" in service_account.mode_note()
    settings.GOOGLE_IMPERSONATE_USER = "bot@example.com"
    assert "invite the seller and the prospect" in service_account.mode_note()


def test_service_account_free_busy_reads_50_sellers_per_call(db, google, shared_calendar):
    sellers = [SellerFactory() for _ in range(60)]
    for seller in sellers:
        google.put_event(seller.email, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))

    written = freebusy.refresh_shared(sellers, start=NOW, end=NOW + dt.timedelta(days=7))

    calls = google.calls("POST", "/freeBusy")
    assert [len(call.json()["items"]) for call in calls] == [50, 10]
    assert written == 60
    assert BusyInterval.objects.filter(connection=None).count() == 60


# --- without Google settings ---------------------------------------------------------
def test_embedded_default_uses_the_in_memory_calendar(db, settings, breaker):
    from integrations.calendar import fake

    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    settings.DEBUG = True
    booking = meet_booking(CalendarConnectionFactory(), location_type="google_meet")

    run(booking, "create")

    assert ("primary", booking.id.hex) in fake.shared().events
    assert booking.meeting_url.startswith("https://meet.example.com/")


def test_without_google_settings_production_fails_the_job_instead(db, settings, breaker):
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    settings.DEBUG = False
    booking = meet_booking(CalendarConnectionFactory())

    with pytest.raises(ProviderPermanentError, match="not set"):
        run(booking, "create")
