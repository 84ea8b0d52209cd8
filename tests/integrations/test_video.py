"""Video adapters: Zoom (server-to-server OAuth + meetings API) and Teams (msal + Graph)
through ``requests``/``msal`` against local fakes, Jitsi room URLs, static locations."""

import datetime as dt
import re
import time
import uuid

import pytest
import time_machine

from bookings.models import Booking
from bookings.outbox.video import handle
from integrations.base import ProviderAccountError, ProviderPermanentError, ProviderTransientError
from integrations.video import jitsi
from integrations.video.teams import TeamsClient
from integrations.video.zoom import ZoomClient
from sellers.models import Seller
from sellers.services import record_provider_problem
from tests.factories import BookingFactory, SyncJobFactory
from tests.integrations import fake_graph, fake_whereby, fake_zoom

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC)


def run(booking, action="create"):
    handle(SyncJobFactory(booking=booking, target="video", action=action, status="running"))
    return Booking.objects.get(pk=booking.pk)


def move(booking, start, minutes=30):
    Booking.objects.filter(pk=booking.pk).update(
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=minutes),
    )
    return Booking.objects.get(pk=booking.pk)


def booking_with(location_type, **kwargs):
    return BookingFactory(
        start=START,
        end=START + dt.timedelta(minutes=30),
        meeting_type__location_type=location_type,
        meeting_type__name="Demo",
        **kwargs,
    )


# --- Zoom ------------------------------------------------------------------------------
@pytest.fixture
def zoom(settings):
    with fake_zoom.FakeZoom() as server:
        settings.ZOOM_ACCOUNT_ID = fake_zoom.ACCOUNT_ID
        settings.ZOOM_CLIENT_ID = fake_zoom.CLIENT_ID
        settings.ZOOM_CLIENT_SECRET = fake_zoom.CLIENT_SECRET
        settings.ZOOM_OAUTH_URL = server.url
        settings.ZOOM_API_URL = f"{server.url}/v2"
        settings.PROVIDER_TIMEOUT = 0.5
        yield server


def test_zoom_create_stores_join_url_and_id_never_start_url(zoom):
    booking = booking_with("zoom")

    synced = run(booking)

    (meeting,) = zoom.meetings.values()
    assert synced.video_meeting_id == str(meeting["id"])
    assert synced.meeting_url == meeting["join_url"]
    assert meeting["start_time"] == "2026-12-07T15:30:00Z"
    assert (meeting["duration"], meeting["host_email"]) == (30, booking.seller.email)
    stored = Booking.objects.filter(pk=booking.pk).values().get()
    assert not any("HOST-SECRET" in str(value) for value in stored.values())


def test_zoom_client_never_returns_start_url(zoom):
    from bookings.outbox.video import meeting_request

    created = ZoomClient.from_settings().create(meeting_request(booking_with("zoom")))

    assert "HOST-SECRET" not in repr(created)
    assert not hasattr(created, "start_url")


def test_zoom_create_run_twice_makes_one_meeting(zoom):
    booking = booking_with("zoom")

    first = run(booking)
    second = run(booking)

    assert len(zoom.meetings) == 1
    assert second.meeting_url == first.meeting_url


def test_zoom_meeting_lost_after_a_crash_is_found_again(zoom):
    booking = booking_with("zoom")
    first = run(booking)
    Booking.objects.filter(pk=booking.pk).update(video_meeting_id="", meeting_url="")

    again = run(booking)

    assert len(zoom.meetings) == 1
    assert (again.video_meeting_id, again.meeting_url) == (
        first.video_meeting_id,
        first.meeting_url,
    )


def test_zoom_long_agenda_does_not_defeat_the_crash_marker(zoom):
    """Regression: the ref sat at the end of ``agenda``, which Zoom's list cuts to 250
    characters, so a retry after a crash made a second meeting."""
    booking = booking_with("zoom", meeting_type__description="Long agenda. " * 100)
    first = run(booking)
    Booking.objects.filter(pk=booking.pk).update(video_meeting_id="", meeting_url="")

    again = run(booking)

    assert len(zoom.meetings) == 1
    assert again.video_meeting_id == first.video_meeting_id


def test_zoom_agenda_and_topic_fit_zoom_limits(zoom):
    """Regression: an agenda over 2,000 characters failed creation (Validation Failed)."""
    booking = booking_with("zoom", meeting_type__description="x" * 5000, name="N" * 150)

    synced = run(booking)

    (meeting,) = zoom.meetings.values()
    assert synced.video_meeting_id == str(meeting["id"])
    assert len(meeting["agenda"]) == 2000
    assert len(meeting["topic"]) <= 200 and meeting["topic"].endswith("]")


def test_zoom_find_pages_through_the_list(zoom):
    """Regression: only the first page of the host's meetings was searched."""
    zoom.page_size_cap = 2
    booking = booking_with("zoom")
    first = run(booking)
    for n in range(5):
        zoom.add_meeting(booking.seller.email, f"Other meeting {n}")
    # ours is now on the first page; move it last by re-creating the others before it
    ours = zoom.meetings.pop(int(first.video_meeting_id))
    zoom.meetings[ours["id"]] = ours
    Booking.objects.filter(pk=booking.pk).update(video_meeting_id="", meeting_url="")

    again = run(booking)

    assert again.video_meeting_id == first.video_meeting_id
    assert len(zoom.meetings) == 6
    tokens = [r.query.get("next_page_token") for r in zoom.requests if r.method == "GET"]
    assert ["2"] in tokens and ["4"] in tokens


def test_zoom_fake_refuses_what_zoom_refuses(zoom):
    client = ZoomClient.from_settings()
    token = client.access_token()
    session = client.session
    url = f"{zoom.url}/v2/users/a@example.com/meetings"
    auth = {"Authorization": f"Bearer {token}"}

    too_long = session.post(
        url,
        json={
            "topic": "t",
            "type": 2,
            "start_time": "2026-12-07T15:30:00Z",
            "duration": 30,
            "agenda": "a" * 2001,
        },
        headers=auth,
    )
    bad_type = session.post(
        url,
        json={"topic": "t", "type": 5, "start_time": "2026-12-07T15:30:00Z", "duration": 30},
        headers=auth,
    )
    no_auth = session.get(url)

    assert (too_long.status_code, too_long.json()["errors"][0]["field"]) == (400, "agenda")
    assert bad_type.json()["errors"][0]["field"] == "type"
    assert (no_auth.status_code, no_auth.json()["code"]) == (401, 124)


def test_zoom_reschedule_updates_the_meeting(zoom):
    booking = run(booking_with("zoom"))

    run(move(booking, START + dt.timedelta(days=1), minutes=45), action="update")

    (meeting,) = zoom.meetings.values()
    assert (meeting["start_time"], meeting["duration"]) == ("2026-12-08T15:30:00Z", 45)


def test_zoom_cancel_deletes_the_meeting_and_is_idempotent(zoom):
    booking = run(booking_with("zoom"))
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")

    run(booking, action="cancel")
    run(booking, action="cancel")  # 404 from Zoom now: counts as done

    assert zoom.meetings == {}


def test_zoom_token_is_cached_until_it_expires(zoom):
    run(booking_with("zoom"))
    run(booking_with("zoom"))
    assert zoom.tokens_issued == ["zoom-token-1"]

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1), tick=False):
        run(booking_with("zoom"))

    assert zoom.tokens_issued == ["zoom-token-1", "zoom-token-2"]
    assert len(zoom.meetings) == 3


def test_zoom_rejected_credentials_are_permanent(zoom, settings):
    settings.ZOOM_CLIENT_SECRET = "wrong"

    with pytest.raises(ProviderPermanentError, match="401"):
        run(booking_with("zoom"))


def test_zoom_500_is_transient(zoom):
    ZoomClient.from_settings().access_token()
    zoom.fail_next(status=500)

    with pytest.raises(ProviderTransientError):
        run(booking_with("zoom"))


def test_zoom_429_is_transient_with_retry_after(zoom):
    ZoomClient.from_settings().access_token()
    zoom.fail_next(status=429, retry_after=30)

    with pytest.raises(ProviderTransientError) as caught:
        run(booking_with("zoom"))

    assert caught.value.retry_after == 30


def test_zoom_hang_is_transient_within_the_timeout(zoom):
    ZoomClient.from_settings().access_token()
    zoom.hang_next(seconds=3)
    began = time.monotonic()

    with pytest.raises(ProviderTransientError, match="timed out"):
        run(booking_with("zoom"))

    assert time.monotonic() - began < 2


@pytest.mark.parametrize("status", [400, 403, 404, 409, 410])
def test_zoom_client_errors_are_permanent(zoom, status):
    ZoomClient.from_settings().access_token()
    zoom.fail_next(status=status)

    with pytest.raises(ProviderPermanentError):
        run(booking_with("zoom"))


# --- Teams -----------------------------------------------------------------------------
@pytest.fixture
def graph(settings, monkeypatch):
    with fake_graph.FakeGraph() as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        settings.MS_TENANT_ID = fake_graph.TENANT_ID
        settings.MS_CLIENT_ID = fake_graph.CLIENT_ID
        settings.MS_CLIENT_SECRET = fake_graph.CLIENT_SECRET
        settings.MS_AUTHORITY_URL = server.authority_url
        settings.MS_GRAPH_URL = server.graph_url
        settings.PROVIDER_TIMEOUT = 0.5
        yield server


def teams_booking(graph, *, policy=True):
    booking = booking_with("teams")
    graph.add_user(booking.seller.email, policy=policy)
    return booking


def test_teams_create_makes_one_online_meeting_via_msal_token(graph):
    booking = teams_booking(graph)

    first = run(booking)
    Booking.objects.filter(pk=booking.pk).update(video_meeting_id="", meeting_url="")
    second = run(booking)  # createOrGet by externalId: the same meeting back

    (meeting,) = graph.meetings.values()
    assert meeting["externalId"] == str(booking.pk)
    assert meeting["organizer"] == graph.users[booking.seller.email.lower()]
    assert (meeting["startDateTime"], meeting["endDateTime"]) == (
        "2026-12-07T15:30:00Z",
        "2026-12-07T16:00:00Z",
    )
    assert first.meeting_url == second.meeting_url == meeting["joinWebUrl"]
    assert first.video_meeting_id == meeting["id"]
    assert graph.tokens_issued == ["graph-token-1"]  # msal's cache served the second call


def test_teams_meetings_are_addressed_by_object_id_resolved_once(graph):
    """Regression: the seller's email used to go in /users/{id}/onlineMeetings (Graph: 404)."""
    booking = teams_booking(graph)

    run(booking)
    run(move(booking, START + dt.timedelta(hours=1)), action="update")

    object_id = graph.users[booking.seller.email.lower()]
    meeting_paths = [r.path for r in graph.requests if "/onlineMeetings" in r.path]
    assert meeting_paths and all(f"/users/{object_id}/" in p for p in meeting_paths)
    lookups = [r for r in graph.requests if r.path.endswith(f"/users/{booking.seller.email}")]
    assert len(lookups) == 1  # cached for the update
    assert lookups[0].query == {"$select": ["id"]}


def test_teams_reschedule_and_cancel(graph):
    booking = run(teams_booking(graph))

    run(move(booking, START + dt.timedelta(hours=3)), action="update")
    (meeting,) = graph.meetings.values()
    assert meeting["startDateTime"] == "2026-12-07T18:30:00Z"

    Booking.objects.filter(pk=booking.pk).update(status="cancelled")
    run(booking, action="cancel")
    run(booking, action="cancel")
    assert graph.meetings == {}


def test_teams_missing_access_policy_says_so(graph):
    booking = teams_booking(graph, policy=False)

    with pytest.raises(ProviderPermanentError) as caught:
        run(booking)

    assert f"access policy missing for {booking.seller.email}" in caught.value.message
    assert graph.meetings == {}


def test_teams_missing_access_policy_is_shown_on_the_seller_until_it_works(graph):
    booking = teams_booking(graph, policy=False)
    with pytest.raises(ProviderAccountError):
        run(booking)
    seller = Seller.objects.get(pk=booking.seller_id)
    assert seller.provider_problem.startswith(
        f"teams: access policy missing for {booking.seller.email}"
    )

    graph.policy_granted.add(graph.users[booking.seller.email.lower()])
    run(booking)

    assert Seller.objects.get(pk=booking.seller_id).provider_problem == ""


def test_another_providers_success_leaves_the_teams_problem_alone(graph):
    booking = teams_booking(graph, policy=False)
    with pytest.raises(ProviderAccountError):
        run(booking)
    record_provider_problem(seller_id=booking.seller_id, provider="zoom")

    assert "access policy missing" in Seller.objects.get(pk=booking.seller_id).provider_problem


def test_teams_unknown_user_is_permanent_and_named(graph):
    # The seller is not in the tenant (a fresh address: no object id cached by another test).
    booking = booking_with("teams", seller__email=f"ghost-{uuid.uuid4().hex}@example.com")

    with pytest.raises(ProviderPermanentError, match="no Microsoft 365 user"):
        run(booking)
    assert "no Microsoft 365 user" in Seller.objects.get(pk=booking.seller_id).provider_problem


def test_teams_delete_of_a_meeting_kept_by_policy_loss_is_not_read_as_gone(graph):
    """Regression: a 403/404 on the *user* must not count as "meeting already deleted"."""
    booking = run(teams_booking(graph))
    graph.policy_granted.clear()
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")

    with pytest.raises(ProviderPermanentError, match="access policy missing"):
        run(booking, action="cancel")

    assert len(graph.meetings) == 1


def test_teams_probe_access_policy(graph):
    client = TeamsClient.from_settings()
    graph.add_user("ok@example.com")
    graph.add_user("nopolicy@example.com", policy=False)

    client.probe_access_policy("ok@example.com")
    with pytest.raises(ProviderPermanentError, match="access policy missing for nopolicy@"):
        client.probe_access_policy("nopolicy@example.com")


def test_teams_wrong_secret_is_permanent(graph, settings):
    settings.MS_CLIENT_SECRET = "wrong"

    with pytest.raises(ProviderPermanentError, match="invalid_client"):
        run(teams_booking(graph))


@pytest.mark.parametrize(
    ("status", "retry_after", "error"),
    [
        (500, None, ProviderTransientError),
        (429, 9, ProviderTransientError),
        (400, None, ProviderPermanentError),
        (401, None, ProviderPermanentError),
        (403, None, ProviderPermanentError),
        (404, None, ProviderPermanentError),
        (409, None, ProviderPermanentError),
    ],
)
def test_teams_graph_failures_map_to_the_contract(graph, status, retry_after, error):
    TeamsClient.from_settings().access_token()  # discovery + token first
    graph.fail_next(status=status, retry_after=retry_after)

    with pytest.raises(error) as caught:
        run(teams_booking(graph))

    if retry_after:
        assert caught.value.retry_after == retry_after


def test_teams_hang_is_transient_within_the_timeout(graph):
    TeamsClient.from_settings().access_token()
    graph.hang_next(seconds=3)
    began = time.monotonic()

    with pytest.raises(ProviderTransientError, match="timed out"):
        run(teams_booking(graph))

    assert time.monotonic() - began < 2


# --- Whereby --------------------------------------------------------------------------
@pytest.fixture
def whereby(settings):
    # Whereby refuses an endDate in the past: pin "now" before START so the tests last.
    with (
        time_machine.travel(START - dt.timedelta(days=3)),
        fake_whereby.FakeWhereby() as server,
    ):
        settings.WHEREBY_API_KEY = fake_whereby.API_KEY
        settings.WHEREBY_API_URL = server.api_url
        settings.WHEREBY_ROOM_MODE = "normal"
        settings.PROVIDER_TIMEOUT = 0.5
        yield server


def test_whereby_room_gives_the_prospect_roomurl_and_the_seller_the_host_link(whereby):
    from bookings.outbox import messages

    booking = run(booking_with("whereby"))

    (room,) = whereby.rooms.values()
    assert booking.meeting_url == room["roomUrl"]
    assert booking.video_host_url == room["hostRoomUrl"]
    assert booking.video_meeting_id == room["meetingId"]
    body = whereby.requests[0].json()
    assert body["endDate"] == "2026-12-07T16:00:00.000Z"
    assert (body["roomMode"], body["fields"]) == ("normal", ["hostRoomUrl"])
    assert re.fullmatch(r"[a-z0-9]{1,39}", body["roomNamePrefix"])
    prospect = messages.build(booking, action="create", role="prospect", manage_url="https://x/m")
    seller = messages.build(booking, action="create", role="seller")
    assert "roomKey" not in prospect.text + prospect.html
    assert room["hostRoomUrl"] in seller.text and room["roomUrl"] in prospect.text


def test_whereby_cancel_deletes_the_room_and_is_idempotent(whereby):
    booking = run(booking_with("whereby"))
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")

    run(booking, action="cancel")
    run(booking, action="cancel")  # 404 now: counts as done

    assert whereby.rooms == {}


def test_whereby_reschedule_within_the_room_keeps_it(whereby):
    booking = run(booking_with("whereby"))

    moved = run(move(booking, START - dt.timedelta(minutes=30)), action="update")

    assert moved.meeting_url == booking.meeting_url
    assert len(whereby.rooms) == 1


def test_whereby_reschedule_past_the_room_end_replaces_the_room(whereby):
    booking = run(booking_with("whereby"))

    moved = run(move(booking, START + dt.timedelta(days=2)), action="update")

    (room,) = whereby.rooms.values()
    assert moved.meeting_url == room["roomUrl"] != booking.meeting_url
    assert moved.video_host_url == room["hostRoomUrl"]
    assert room["endDate"] == "2026-12-09T16:00:00.000Z"


def test_whereby_wrong_key_is_permanent(whereby, settings):
    settings.WHEREBY_API_KEY = "wrong"

    with pytest.raises(ProviderPermanentError, match="401"):
        run(booking_with("whereby"))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ProviderPermanentError),
        (403, ProviderPermanentError),
        (404, ProviderPermanentError),
        (429, ProviderTransientError),
        (500, ProviderTransientError),
    ],
)
def test_whereby_failures_map_to_the_contract(whereby, status, error):
    whereby.fail_next(status=status)

    with pytest.raises(error):
        run(booking_with("whereby"))


def test_whereby_hang_is_transient_within_the_timeout(whereby):
    whereby.hang_next(seconds=3)
    began = time.monotonic()

    with pytest.raises(ProviderTransientError, match="timed out"):
        run(booking_with("whereby"))

    assert time.monotonic() - began < 2


def test_whereby_fake_refuses_what_whereby_refuses(whereby):
    import requests

    url, auth = f"{whereby.api_url}/meetings", {"Authorization": f"Bearer {fake_whereby.API_KEY}"}
    future = "2099-01-01T00:00:00.000Z"

    assert requests.post(url, json={}, headers=auth, timeout=2).status_code == 400
    for bad in ({"roomMode": "huge"}, {"roomNamePrefix": "Sales Team"}, {"fields": ["x"]}):
        reply = requests.post(url, json={"endDate": future, **bad}, headers=auth, timeout=2)
        assert reply.status_code == 400, bad
    past = requests.post(url, json={"endDate": "2020-01-01T00:00:00Z"}, headers=auth, timeout=2)
    assert past.status_code == 400
    assert requests.post(url, json={"endDate": future}, timeout=2).status_code == 401


# --- Jitsi and static locations --------------------------------------------------------
def test_jitsi_room_urls_are_unique_and_named_after_the_page(settings):
    settings.JITSI_DOMAIN = "meet.example.org"
    booking = booking_with("jitsi", meeting_type__page__slug="sales-team")
    other = BookingFactory(meeting_type=booking.meeting_type, start=START + dt.timedelta(hours=2))

    first, second = run(booking), run(other)

    assert re.fullmatch(r"https://meet\.example\.org/sales-team-[0-9a-f]{16}", first.meeting_url)
    assert first.meeting_url != second.meeting_url
    assert run(first).meeting_url == first.meeting_url  # run twice: same room
    assert len({jitsi.room_url("x") for _ in range(50)}) == 50


def test_jitsi_without_a_domain_fails_loudly_instead_of_meet_jit_si(settings):
    """Regression: an unset JITSI_DOMAIN silently meant meet.jit.si, where rooms wait for a
    moderator login."""
    settings.JITSI_DOMAIN = ""

    with pytest.raises(ProviderPermanentError, match="JITSI_DOMAIN is not set"):
        run(booking_with("jitsi"))


@pytest.mark.parametrize(
    ("location_type", "details", "location", "url"),
    [
        ("phone", "+51 1 555 0000", "+51 1 555 0000", ""),
        ("in_person", "Av. Larco 123, Lima", "Av. Larco 123, Lima", ""),
        (
            "custom",
            "https://whereby.com/acme",
            "https://whereby.com/acme",
            "https://whereby.com/acme",
        ),
    ],
)
def test_static_locations_come_from_the_meeting_type(location_type, details, location, url):
    booking = booking_with(location_type, meeting_type__location_details=details)

    synced = run(booking)

    assert (synced.location, synced.meeting_url, synced.video_meeting_id) == (location, url, "")


@pytest.mark.parametrize(
    ("location_type", "zoom_on", "teams_on", "expected"),
    [
        ("zoom", False, False, False),
        ("zoom", True, False, True),
        ("teams", False, False, False),
        ("teams", False, True, True),
        ("jitsi", False, False, True),
        ("whereby", False, False, False),
        ("google_meet", True, True, False),
        ("phone", True, True, False),
    ],
)
def test_video_job_is_enqueued_only_for_a_configured_provider(
    settings, location_type, zoom_on, teams_on, expected
):
    from bookings.outbox.registry import targets_for

    settings.ZOOM_ACCOUNT_ID = "acct" if zoom_on else ""
    settings.MS_TENANT_ID = "tenant" if teams_on else ""

    assert ("video" in targets_for(booking_with(location_type))) is expected
