"""The authenticated waitlist calendar-config API (connect Google, list, select, toggle,
disconnect) against the fake Google, and the slots list."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    CalendarConnectionFactory,
    PageFactory,
    SellerFactory,
    StaffFactory,
    UserFactory,
)
from tests.integrations.fake_google import FakeGoogle
from tests.waitlist.monitoring_helpers import google_config, watched_slot
from waitlist.models import WaitlistCalendarConfig, WaitlistSlot

CONFIGS = "/api/v1/waitlist/calendar-configs/"
SLOTS = "/api/v1/waitlist/slots/"
SOON = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)


@pytest.fixture
def google(settings, monkeypatch):
    with FakeGoogle() as fake:
        settings.GOOGLE_CLIENT_ID = fake.client_id
        settings.GOOGLE_CLIENT_SECRET = fake.client_secret
        settings.GOOGLE_API_ENDPOINT = fake.api_endpoint
        settings.GOOGLE_TOKEN_URI = fake.token_uri
        settings.GOOGLE_AUTH_URI = fake.url + "/o/oauth2/auth"
        settings.GOOGLE_REDIRECT_URI = "http://testserver/integrations/google/callback/"
        settings.GOOGLE_TIMEOUT = 2.0
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        fake.calendar_names["salon@group.calendar.google.com"] = "Salon reservations"
        yield fake


@pytest.fixture
def config(db, google):
    access, refresh = google.grant()
    connection = CalendarConnectionFactory(
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=1),
        account_email=google.account_email,
    )
    return google_config(connection, calendar_id=google.account_email)


def test_anonymous_gets_401_and_a_seller_sees_only_their_pages_configs(config, api_client):
    own = SellerFactory(user=UserFactory())
    mine = WaitlistCalendarConfig.objects.create(business_name="Mine", page=PageFactory(seller=own))
    seller_client = APIClient()
    seller_client.force_authenticate(own.user)

    assert api_client.get(CONFIGS).status_code == 401
    listed = seller_client.get(CONFIGS).json()["results"]
    assert [row["id"] for row in listed] == [str(mine.pk)]
    assert seller_client.get(f"{CONFIGS}{config.pk}/").status_code == 404


def test_staff_create_and_read_a_config(db, staff_client):
    page = PageFactory()

    created = staff_client.post(
        CONFIGS,
        {"business_name": "Chez Ana", "page": str(page.pk), "provider": "outlook"},
        format="json",
    )

    assert created.status_code == 201
    body = created.json()
    assert (body["business_name"], body["provider"], body["connection"]) == (
        "Chez Ana",
        "internal",  # the provider moves only through connect / disconnect: Outlook never
        None,
    )


def test_list_calendars_of_the_connected_account(config, staff_client, google):
    response = staff_client.get(f"{CONFIGS}{config.pk}/calendars/")

    assert response.status_code == 200
    assert response.json() == {
        "calendars": [
            {"id": google.account_email, "name": google.account_email, "primary": True},
            {
                "id": "salon@group.calendar.google.com",
                "name": "Salon reservations",
                "primary": False,
            },
        ]
    }


def test_select_a_listed_calendar_makes_the_slots_due(config, staff_client):
    slot = watched_slot(config, SOON, next_check_at=SOON - dt.timedelta(hours=1))

    response = staff_client.post(
        f"{CONFIGS}{config.pk}/select/",
        {"calendar_id": "salon@group.calendar.google.com"},
        format="json",
    )

    slot.refresh_from_db()
    assert response.status_code == 200
    assert (response.json()["calendar_id"], response.json()["calendar_name"]) == (
        "salon@group.calendar.google.com",
        "Salon reservations",
    )
    assert slot.next_check_at is None


def test_select_a_calendar_not_on_the_account_is_400(config, staff_client):
    response = staff_client.post(
        f"{CONFIGS}{config.pk}/select/", {"calendar_id": "someone-else@x.com"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["calendar_id"]


def test_toggle_and_disconnect(config, staff_client):
    off = staff_client.post(f"{CONFIGS}{config.pk}/toggle/", {"is_enabled": False}, format="json")
    gone = staff_client.post(f"{CONFIGS}{config.pk}/disconnect/")

    assert (off.status_code, off.json()["is_enabled"]) == (200, False)
    assert gone.status_code == 200
    assert {k: gone.json()[k] for k in ("provider", "connection", "calendar_id")} == {
        "provider": "internal",
        "connection": None,
        "calendar_id": "",
    }
    listed = staff_client.get(f"{CONFIGS}{config.pk}/calendars/")
    assert (listed.status_code, listed.json()["error"]["code"]) == (409, "conflict")


def test_staff_without_the_change_permission_cannot_toggle(config):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_waitlistcalendarconfig"))
    client = APIClient()
    client.force_authenticate(viewer)

    assert client.get(f"{CONFIGS}{config.pk}/").status_code == 200
    response = client.post(f"{CONFIGS}{config.pk}/toggle/", {"is_enabled": False}, format="json")
    assert response.status_code == 403
    assert client.get(f"{CONFIGS}{config.pk}/oauth/google/start/").status_code == 403


def test_connect_google_through_the_sellers_oauth_flow(db, google):
    seller = SellerFactory()
    config = WaitlistCalendarConfig.objects.create(
        business_name="Salon", page=PageFactory(seller=seller)
    )
    browser = Client()
    browser.force_login(StaffFactory())

    started = browser.get(f"{CONFIGS}{config.pk}/oauth/google/start/")
    asked = {k: v[0] for k, v in parse_qs(urlparse(started.json()["oauth_url"]).query).items()}
    code = google.authorize(asked["code_challenge"])
    back = browser.get("/integrations/google/callback/", {"state": asked["state"], "code": code})
    linked = browser.get(back["Location"])

    config.refresh_from_db()
    assert started.status_code == 200 and asked["login_hint"] == seller.email
    assert (
        back["Location"] == f"/admin/waitlist/waitlistcalendarconfig/{config.pk}/google/connected/"
    )
    assert (
        linked["Location"] == f"/admin/waitlist/waitlistcalendarconfig/{config.pk}/google/select/"
    )
    assert (config.provider, config.connection.seller, config.calendar_id) == (
        "google_calendar",
        seller,
        google.account_email,
    )
    # The session's flow is used once: coming back again links nothing.
    again = browser.get(back["Location"])
    assert again["Location"].endswith(f"/waitlistcalendarconfig/{config.pk}/change/")


def test_connect_needs_a_seller_when_the_page_is_a_teams(db, google, staff_client):
    config = WaitlistCalendarConfig.objects.create(business_name="Team", page=None)

    response = staff_client.get(f"{CONFIGS}{config.pk}/oauth/google/start/")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["seller"]


def test_slots_list_filters_and_shows_the_monitoring_state(config, staff_client):
    watched = watched_slot(config, SOON, waiting=2)
    watched_slot(config, SOON + dt.timedelta(days=1), status=WaitlistSlot.Status.EXPIRED)

    response = staff_client.get(SLOTS, {"status": "pending", "page": str(config.page_id)})

    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    assert response.status_code == 200
    assert [(r["id"], r["waiting"], r["next_check_at"], r["last_result"]) for r in rows] == [
        (str(watched.pk), 2, None, "")
    ]
    assert staff_client.get(SLOTS, {"status": "nope"}).status_code == 400
    paged = staff_client.get(SLOTS, {"p": 1, "page": str(config.page_id)})
    assert paged.json()["count"] == 2


def test_slots_list_query_count_does_not_grow_with_rows(
    config, staff_client, django_assert_num_queries
):
    watched_slot(config, SOON)
    with django_assert_num_queries(2) as one:
        staff_client.get(SLOTS)
    watched_slot(config, SOON + dt.timedelta(hours=1), waiting=3)
    watched_slot(config, SOON + dt.timedelta(hours=2))
    with django_assert_num_queries(len(one.captured_queries)):
        assert staff_client.get(SLOTS).json()["count"] == 3
