"""Outlook / Microsoft 365 calendars through msal and requests against the fake Graph (and
identity platform) on a local TLS socket: the OAuth code flow with PKCE, getSchedule
batching, events keyed by our booking, subscriptions with their handshake, delta sync, and
revoked consent."""

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.outbox import calendar as sync
from integrations import provider_checks
from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.calendar.base import Attendee, EventSpec, GrantRevoked, Tokens
from integrations.calendar.outlook import OutlookCalendar
from integrations.circuit import CircuitBreaker
from scheduling import cache as slot_cache
from sellers.calendar import freebusy, live_check, push
from sellers.models import BusyInterval, CalendarConnection
from tests.factories import BookingFactory, CalendarConnectionFactory, SyncJobFactory
from tests.integrations import fake_graph

NOW = timezone.now().replace(second=0, microsecond=0)
UPN = "ana@contoso.com"
WEBHOOK = "/integrations/outlook/notifications/"


def django_deliver(url, body):
    """Graph calling our endpoint: through Django's test client, in this process."""
    parsed = urlparse(url)
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    response = Client().post(path, data=body or {}, content_type="application/json")
    return response.status_code, response.get("Content-Type", ""), response.content.decode()


@pytest.fixture
def graph(settings, monkeypatch):
    with fake_graph.FakeGraph() as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        settings.OUTLOOK_CLIENT_ID = fake_graph.CLIENT_ID
        settings.OUTLOOK_CLIENT_SECRET = fake_graph.CLIENT_SECRET
        settings.OUTLOOK_TENANT = fake_graph.TENANT_ID
        settings.MS_AUTHORITY_URL = fake.authority_url
        settings.MS_GRAPH_URL = fake.graph_url
        settings.MS_TENANT_ID = ""
        settings.OUTLOOK_REDIRECT_URI = "http://testserver/integrations/outlook/callback/"
        settings.OUTLOOK_PUSH_ADDRESS = "https://book.example.com" + WEBHOOK
        settings.PROVIDER_TIMEOUT = 2.0
        fake.deliver = django_deliver
        yield fake


@pytest.fixture(autouse=True)
def breaker():
    breaker = CircuitBreaker("calendar")
    breaker.reset()
    yield breaker
    breaker.reset()


@pytest.fixture
def conn(db, graph):
    access, refresh = graph.issue_tokens(UPN)
    return CalendarConnectionFactory(
        provider="outlook",
        account_email=UPN,
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=1),
        busy_calendar_ids=[UPN],
    )


def adapter(conn):
    return OutlookCalendar(Tokens(conn.access_token, conn.refresh_token, conn.token_expires_at))


def spec(start=NOW + dt.timedelta(days=1), **kwargs):
    return EventSpec(
        summary="Demo: Ana",
        start=start,
        end=start + dt.timedelta(minutes=30),
        timezone="America/Lima",
        attendees=(Attendee("prospect@example.com", "Pat Prospect"),),
        booking_ref="b" * 32,
        **kwargs,
    )


# --- OAuth --------------------------------------------------------------------------------
def test_connect_runs_the_code_flow_with_pkce_and_stores_encrypted_tokens(graph, admin_client):
    seller = CalendarConnectionFactory.build().seller
    seller.save()

    start = admin_client.get(reverse("outlook_calendar:connect", args=[seller.pk]))
    redirect = graph.authorize(start["Location"], UPN)
    done = admin_client.get(reverse("outlook_calendar:callback"), redirect)

    assert done.status_code == 302
    connection = CalendarConnection.objects.get(seller=seller)
    assert (connection.provider, connection.account_email, connection.status) == (
        "outlook",
        UPN,
        "active",
    )
    assert connection.busy_calendar_ids == [UPN]
    assert connection.refresh_token in graph.refresh_tokens
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute(
            "SELECT refresh_token FROM sellers_calendarconnection WHERE id = %s", [connection.pk]
        )
        assert connection.refresh_token not in cursor.fetchone()[0]  # encrypted at rest
    replay = admin_client.get(reverse("outlook_calendar:callback"), redirect)
    assert replay.status_code == 400  # the session's flow is used once


def test_a_forged_state_is_refused(graph, admin_client):
    seller = CalendarConnectionFactory.build().seller
    seller.save()
    start = admin_client.get(reverse("outlook_calendar:connect", args=[seller.pk]))
    redirect = graph.authorize(start["Location"], UPN)

    refused = admin_client.get(
        reverse("outlook_calendar:callback"), {**redirect, "state": "forged"}
    )

    assert refused.status_code == 400
    assert not CalendarConnection.objects.exists()


# --- busy time ----------------------------------------------------------------------------
def test_get_schedule_is_batched_within_the_limits(conn, graph):
    mailboxes = [f"user{i}@contoso.com" for i in range(45)]
    for address in mailboxes:
        graph.add_user(address)
    graph.add_event(
        "user44@contoso.com", NOW + dt.timedelta(days=70), NOW + dt.timedelta(days=70, hours=1)
    )
    graph.add_event(
        "user3@contoso.com",
        NOW + dt.timedelta(hours=2),
        NOW + dt.timedelta(hours=3),
        show_as="free",
    )

    answer = adapter(conn).free_busy(
        [*mailboxes, "ghost@contoso.com"], NOW, NOW + dt.timedelta(days=100)
    )

    calls = [r for r in graph.requests if r.path.endswith("/getSchedule")]
    assert len(calls) == 3 * 2  # 46 mailboxes in 20s, 100 days in 62s
    assert max(len(r.json()["schedules"]) for r in calls) == 20
    assert [(b.calendar_id, b.start) for b in answer.blocks] == [
        ("user44@contoso.com", NOW + dt.timedelta(days=70))
    ]
    assert answer.failed_calendars == ("ghost@contoso.com",)


def test_free_busy_sweep_fills_the_busy_cache(conn, graph):
    graph.add_event(UPN, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))

    assert freebusy.refresh_all() == {"ok": 1, "failed": 0}

    assert list(BusyInterval.objects.values_list("seller_id", "start", "end")) == [
        (conn.seller_id, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    ]


# --- events -------------------------------------------------------------------------------
def test_create_is_idempotent_by_booking(conn, graph):
    calendar = adapter(conn)

    first = calendar.create_event("primary", "b" * 32, spec())
    again = calendar.create_event("primary", "b" * 32, spec())

    assert first.event_id == again.event_id
    [event] = graph.busy_of(UPN)
    assert event["attendees"][0]["emailAddress"]["address"] == "prospect@example.com"
    assert event["transactionId"] == "meetroute-" + "b" * 32


def test_update_moves_and_delete_removes(conn, graph):
    calendar = adapter(conn)
    ref = calendar.create_event("primary", "b" * 32, spec())

    calendar.update_event("primary", ref.event_id, spec(start=NOW + dt.timedelta(days=2)))
    [event] = graph.busy_of(UPN)
    assert event["start"]["dateTime"].startswith(
        (NOW + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    )

    calendar.delete_event("primary", ref.event_id)
    calendar.delete_event("primary", ref.event_id)  # already gone: done
    assert graph.busy_of(UPN) == []


def test_an_update_of_a_lost_event_creates_it_once(conn, graph):
    calendar = adapter(conn)

    calendar.update_event("primary", "b" * 32, spec())
    calendar.update_event("primary", "b" * 32, spec())

    assert len(graph.busy_of(UPN)) == 1


def test_teams_booking_gets_its_link_from_the_outlook_event(conn, graph):
    booking = BookingFactory(seller=conn.seller, location_type="teams")
    job = SyncJobFactory(booking=booking, target="calendar", action="create", status="running")

    sync.handle(job)

    booking.refresh_from_db()
    [event] = graph.busy_of(UPN)
    assert (event["isOnlineMeeting"], event["onlineMeetingProvider"]) == (True, "teamsForBusiness")
    assert booking.meeting_url == event["onlineMeeting"]["joinUrl"]
    assert booking.calendar_event_id == event["id"]


# --- notifications and delta --------------------------------------------------------------
def test_the_validation_handshake_echoes_the_token_as_text():
    response = Client().post(WEBHOOK + "?validationToken=Validation%3A+abc")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Validation: abc"


def test_notification_runs_a_delta_sync_and_changes_slots(
    conn, graph, django_capture_on_commit_callbacks
):
    push.start_channel(conn)
    conn.refresh_from_db()
    [sub] = graph.subscriptions.values()
    assert (conn.channel_id, sub["clientState"]) == (sub["id"], conn.channel_token)
    expires = dt.datetime.fromisoformat(sub["expirationDateTime"].replace("Z", "+00:00"))
    assert expires <= timezone.now() + dt.timedelta(minutes=10080)
    versions = slot_cache.versions([conn.seller_id])
    event_id = graph.add_event(UPN, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        assert graph.notify(UPN) == [202]

    assert list(BusyInterval.objects.values_list("external_id", "start")) == [
        (event_id, NOW + dt.timedelta(hours=1))
    ]
    assert slot_cache.versions([conn.seller_id]) != versions

    graph.remove_event(event_id)
    with django_capture_on_commit_callbacks(execute=True):
        graph.notify(UPN)

    assert not BusyInterval.objects.exists()
    deltas = [r for r in graph.requests if r.path.endswith("/calendarView/delta")]
    assert "$deltatoken" in deltas[-1].query  # incremental


def test_a_wrong_client_state_is_dropped(conn, graph, django_capture_on_commit_callbacks):
    push.start_channel(conn)
    graph.add_event(UPN, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    for sub in graph.subscriptions.values():
        sub["clientState"] = "forged"

    with django_capture_on_commit_callbacks(execute=True):
        assert graph.notify(UPN) == [202]

    assert not BusyInterval.objects.filter(external_id__startswith="AAMk").exists()


def test_an_expired_delta_link_means_a_full_resync(conn, graph):
    graph.add_event(UPN, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    push.sync_events(conn)
    graph.delta_expired = True
    graph.add_event(UPN, NOW + dt.timedelta(hours=3), NOW + dt.timedelta(hours=4))
    graph.page_size = 1  # the full listing comes in pages

    push.sync_events(conn)

    assert BusyInterval.objects.count() == 2


def test_our_own_events_are_not_busy_time(conn, graph):
    adapter(conn).create_event("primary", "b" * 32, spec())

    push.sync_events(conn)

    assert not BusyInterval.objects.exists()


def test_subscriptions_are_renewed_before_they_expire(conn, graph):
    push.start_channel(conn)
    conn.refresh_from_db()
    first = conn.channel_id

    assert push.renew_channels(now=timezone.now() + dt.timedelta(days=6, hours=12)) == 1

    conn.refresh_from_db()
    assert conn.channel_id != first
    assert list(graph.subscriptions) == [conn.channel_id]  # the old one deleted


# --- revoked consent ----------------------------------------------------------------------
def test_revoked_consent_breaks_the_connection_and_leaves_routing(conn, graph):
    graph.revoked.add(UPN)
    graph.expire_access_tokens()

    with pytest.raises(GrantRevoked):
        freebusy.refresh_connection(conn)

    conn.refresh_from_db()
    assert conn.status == "broken"
    assert "invalid_grant" in conn.last_error
    check = live_check.check(conn.seller, NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2))
    assert check.free is False


def test_an_expired_access_token_is_refreshed_and_stored(conn, graph):
    old = conn.access_token
    graph.expire_access_tokens()

    freebusy.refresh_connection(conn)

    conn.refresh_from_db()
    assert conn.access_token != old
    assert conn.access_token in graph.access
    assert conn.status == "active"


# --- provider errors and the provider check -----------------------------------------------
@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_outages_are_transient(conn, graph, status):
    graph.fail_next(status=status, retry_after=7)

    with pytest.raises(ProviderTransientError) as caught:
        adapter(conn).free_busy([UPN], NOW, NOW + dt.timedelta(days=1))

    assert caught.value.retry_after == 7


def test_a_hanging_graph_is_a_transient_timeout(conn, graph, settings):
    settings.PROVIDER_TIMEOUT = 0.5
    graph.hang_next(seconds=2)

    with pytest.raises(ProviderTransientError):
        adapter(conn).free_busy([UPN], NOW, NOW + dt.timedelta(days=1))


@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_other_client_errors_are_permanent(conn, graph, status):
    graph.fail_next(status=status)

    with pytest.raises(ProviderPermanentError, match=f"HTTP {status}"):
        adapter(conn).free_busy([UPN], NOW, NOW + dt.timedelta(days=1))


def test_a_refused_transaction_filter_still_creates_one_event(conn, graph):
    for _ in range(2):
        graph.fail_next(status=400)  # the $filter lookup: POST's transactionId dedups
        adapter(conn).create_event("primary", "b" * 32, spec())

    assert len(graph.busy_of(UPN)) == 1


def test_provider_check_tells_a_good_client_from_a_bad_one(graph, settings):
    def outlook_result():
        return next(r for r in provider_checks.run_checks() if r.provider.startswith("Outlook"))

    assert outlook_result().ok
    settings.OUTLOOK_CLIENT_SECRET = "wrong"
    assert not outlook_result().ok
    assert "invalid_client" in outlook_result().detail
