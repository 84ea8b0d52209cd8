"""The authenticated configuration API: permissions, validation, shapes."""

import datetime as dt

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType, SchedulingPage
from tests.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    MeetingTypeFactory,
    OverrideFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def me():
    return SellerFactory(name="Me", user=UserFactory(username="me"))


@pytest.fixture
def other():
    return SellerFactory(name="Other", user=UserFactory(username="other"))


@pytest.fixture
def me_client(me) -> APIClient:
    client = APIClient()
    client.force_authenticate(me.user)
    return client


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# --- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["sellers/", "overrides/", "teams/", "pages/", "meeting-types/"],
)
def test_config_anonymous_is_401(api_client, path):
    response = api_client.get(f"/api/v1/{path}")

    assert error(response) == (401, "not_authenticated")


def test_config_availability_anonymous_is_401(api_client, me):
    assert error(api_client.get(f"/api/v1/sellers/{me.id}/availability/")) == (
        401,
        "not_authenticated",
    )


def test_config_token_authentication_works(me):
    _instance, token = AuthToken.objects.create(user=me.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get("/api/v1/sellers/")

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [str(me.id)]


def test_config_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")

    assert error(client.get("/api/v1/sellers/")) == (401, "not_authenticated")


# --- availability -----------------------------------------------------------------------


def test_availability_get_lists_rules_in_order(me_client, me):
    AvailabilityRuleFactory(seller=me, weekday=1, start=dt.time(14), end=dt.time(18))
    AvailabilityRuleFactory(seller=me, weekday=1, start=dt.time(9), end=dt.time(12))
    AvailabilityRuleFactory(seller=me, weekday=0, start=dt.time(9, 30), end=dt.time(17))

    response = me_client.get(f"/api/v1/sellers/{me.id}/availability/")

    assert response.json() == {
        "rules": [
            {"weekday": 0, "start": "09:30", "end": "17:00"},
            {"weekday": 1, "start": "09:00", "end": "12:00"},
            {"weekday": 1, "start": "14:00", "end": "18:00"},
        ]
    }


def test_availability_put_replaces_the_whole_set(me_client, me):
    AvailabilityRuleFactory(seller=me, weekday=4)
    rules = [
        {"weekday": 2, "start": "09:00", "end": "12:00"},
        {"weekday": 2, "start": "12:00", "end": "13:00"},
        {"weekday": 6, "start": "10:00", "end": "11:30"},
    ]

    response = me_client.put(f"/api/v1/sellers/{me.id}/availability/", {"rules": rules}, "json")

    assert response.status_code == 200
    assert response.json() == {"rules": rules}
    assert sorted(me.availability_rules.values_list("weekday", "start", "end")) == [
        (2, dt.time(9), dt.time(12)),
        (2, dt.time(12), dt.time(13)),
        (6, dt.time(10), dt.time(11, 30)),
    ]


def test_availability_put_empty_clears(staff_client, me):
    AvailabilityRuleFactory(seller=me)

    response = staff_client.put(f"/api/v1/sellers/{me.id}/availability/", {"rules": []}, "json")

    assert (response.status_code, response.json()) == (200, {"rules": []})
    assert not AvailabilityRule.objects.filter(seller=me).exists()


@pytest.mark.parametrize(
    ("rules", "fields"),
    [
        ([{"weekday": 7, "start": "09:00", "end": "10:00"}], ["rules.0.weekday"]),
        ([{"weekday": -1, "start": "09:00", "end": "10:00"}], ["rules.0.weekday"]),
        ([{"weekday": 0, "start": "10:00", "end": "10:00"}], ["rules.0.end"]),
        ([{"weekday": 0, "start": "11:00", "end": "10:00"}], ["rules.0.end"]),
        ([{"weekday": 0, "start": "9am", "end": "10:00"}], ["rules.0.start"]),
        ([{"weekday": 0, "start": "25:00", "end": "26:00"}], ["rules.0.end", "rules.0.start"]),
        ([{"weekday": 0, "start": "09:00"}], ["rules.0.end"]),
        (
            [
                {"weekday": 3, "start": "09:00", "end": "17:00"},
                {"weekday": 3, "start": "12:00", "end": "13:00"},
                {"weekday": 3, "start": "14:00", "end": "15:00"},
            ],
            ["rules.1.start", "rules.2.start"],
        ),
        ("nope", ["rules.non_field_errors"]),
        (None, ["rules"]),
    ],
)
def test_availability_put_invalid_is_400_and_changes_nothing(me_client, me, rules, fields):
    AvailabilityRuleFactory(seller=me, weekday=4)

    response = me_client.put(f"/api/v1/sellers/{me.id}/availability/", {"rules": rules}, "json")

    assert error(response) == (400, "invalid")
    assert sorted(response.json()["error"]["fields"]) == fields
    assert list(me.availability_rules.values_list("weekday", flat=True)) == [4]


def test_availability_of_another_seller_is_404_for_a_seller(me_client, other):
    body = {"rules": []}
    assert error(me_client.get(f"/api/v1/sellers/{other.id}/availability/")) == (404, "not_found")
    assert error(me_client.put(f"/api/v1/sellers/{other.id}/availability/", body, "json")) == (
        404,
        "not_found",
    )


def test_availability_staff_edits_anyone(staff_client, other):
    body = {"rules": [{"weekday": 0, "start": "08:00", "end": "09:00"}]}

    response = staff_client.put(f"/api/v1/sellers/{other.id}/availability/", body, "json")

    assert response.status_code == 200
    assert other.availability_rules.count() == 1


# --- overrides --------------------------------------------------------------------------


def test_overrides_seller_reads_own_and_everyones_writes_only_own(me_client, me, other):
    mine = OverrideFactory(seller=me, date=dt.date(2026, 12, 24))
    OverrideFactory(seller=other, date=dt.date(2026, 12, 24))
    holiday = OverrideFactory(seller=None, date=dt.date(2026, 12, 25), reason="Christmas")

    listed = me_client.get("/api/v1/overrides/").json()["results"]
    assert [o["id"] for o in listed] == [str(mine.id), str(holiday.id)]
    assert listed[1] == {
        "id": str(holiday.id),
        "seller": None,
        "date": "2026-12-25",
        "start": None,
        "end": None,
        "available": False,
        "reason": "Christmas",
    }

    assert error(me_client.patch(f"/api/v1/overrides/{holiday.id}/", {"reason": "x"})) == (
        403,
        "permission_denied",
    )
    assert error(me_client.delete(f"/api/v1/overrides/{holiday.id}/")) == (
        403,
        "permission_denied",
    )
    assert me_client.patch(f"/api/v1/overrides/{mine.id}/", {"reason": "Off"}).status_code == 200
    assert me_client.delete(f"/api/v1/overrides/{mine.id}/").status_code == 204


def test_overrides_seller_creates_only_their_own(me_client, me, other):
    body = {"date": "2026-12-31", "start": "09:00", "end": "12:00", "available": True}

    own = me_client.post("/api/v1/overrides/", body | {"seller": str(me.id)}, "json")
    assert own.status_code == 201, own.json()
    assert own.json()["start"] == "09:00"

    for who in (str(other.id), None):
        response = me_client.post("/api/v1/overrides/", body | {"seller": who}, "json")
        assert error(response) == (403, "permission_denied")
    assert AvailabilityOverride.objects.count() == 1


def test_overrides_staff_creates_global(staff_client):
    response = staff_client.post(
        "/api/v1/overrides/", {"seller": None, "date": "2026-12-25"}, "json"
    )

    assert response.status_code == 201
    assert AvailabilityOverride.objects.get().seller is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "09:00"}, "end"),
        ({"start": "12:00", "end": "09:00"}, "end"),
        ({"available": True}, "start"),
        ({"date": "24/12/2026"}, "date"),
    ],
)
def test_overrides_invalid_times_are_400(staff_client, me, body, field):
    payload = {"seller": str(me.id), "date": "2026-12-24", "available": False} | body

    response = staff_client.post("/api/v1/overrides/", payload, "json")

    assert error(response) == (400, "invalid")
    assert list(response.json()["error"]["fields"]) == [field]


def test_overrides_filters(staff_client, me):
    OverrideFactory(seller=me, date=dt.date(2026, 12, 1))
    later = OverrideFactory(seller=me, date=dt.date(2026, 12, 20))
    everyone = OverrideFactory(seller=None, date=dt.date(2026, 12, 25))

    def ids(**params):
        return [o["id"] for o in staff_client.get("/api/v1/overrides/", params).json()["results"]]

    assert ids(seller="none") == [str(everyone.id)]
    assert ids(seller=str(me.id), date_after="2026-12-10") == [str(later.id)]
    assert ids(date_before="2026-12-01") == [ids(seller=str(me.id))[0]]
    assert error(staff_client.get("/api/v1/overrides/", {"date_after": "soon"})) == (
        400,
        "invalid",
    )


# --- pages ------------------------------------------------------------------------------


def page_body(**changes):
    body = {
        "slug": "my-page",
        "name": "My page",
        "description": "",
        "timezone": "America/Lima",
        "routing": "round_robin",
        "is_active": True,
    }
    return body | changes


def test_pages_need_exactly_one_owner(staff_client, me):
    team = TeamFactory()
    for owner in ({}, {"seller": str(me.id), "team": str(team.id)}, {"seller": None}):
        response = staff_client.post("/api/v1/pages/", page_body(**owner), "json")
        assert error(response) == (400, "invalid")
        assert sorted(response.json()["error"]["fields"]) == ["seller", "team"]

    response = staff_client.post("/api/v1/pages/", page_body(team=str(team.id)), "json")
    assert response.status_code == 201
    page = SchedulingPage.objects.get(slug="my-page")
    switched = staff_client.patch(f"/api/v1/pages/{page.id}/", {"seller": str(me.id)}, "json")
    assert error(switched) == (400, "invalid")


def test_pages_reserved_slug_is_400(staff_client, me):
    # /schedule/manage/<token>/ is the manage page, so no booking page may be called "manage".
    response = staff_client.post(
        "/api/v1/pages/", page_body(seller=str(me.id), slug="manage"), "json"
    )
    assert error(response) == (400, "invalid")
    assert list(response.json()["error"]["fields"]) == ["slug"]
    assert not SchedulingPage.objects.filter(slug="manage").exists()


def test_pages_seller_sees_own_and_team_pages_writes_own(me_client, me, other):
    own = PageFactory(seller=me, slug="own")
    team_page = PageFactory(seller=None, team=TeamFactory(sellers=[me]), slug="team")
    PageFactory(seller=other, slug="theirs")

    listed = me_client.get("/api/v1/pages/").json()["results"]

    assert sorted(p["slug"] for p in listed) == ["own", "team"]
    assert me_client.patch(f"/api/v1/pages/{own.id}/", {"name": "Own"}).status_code == 200
    assert error(me_client.patch(f"/api/v1/pages/{team_page.id}/", {"name": "T"})) == (
        403,
        "permission_denied",
    )
    created = me_client.post("/api/v1/pages/", page_body(seller=str(me.id)), "json")
    assert created.status_code == 201
    theirs = me_client.post("/api/v1/pages/", page_body(slug="x", seller=str(other.id)), "json")
    assert error(theirs) == (403, "permission_denied")
    grab = me_client.patch(f"/api/v1/pages/{own.id}/", {"seller": str(other.id)}, "json")
    assert error(grab) == (403, "permission_denied")


# --- meeting types ----------------------------------------------------------------------


def meeting_body(page, **changes):
    body = {
        "page": str(page.id),
        "slug": "intro",
        "name": "Intro",
        "description": "",
        "duration": 30,
        "location_type": "zoom",
        "location_details": "",
        "questions": [{"key": "goal", "label": "Goal", "type": "text", "required": True}],
        "buffer_before": 5,
        "buffer_after": 10,
        "min_notice": 120,
        "max_days_ahead": 30,
        "slot_interval": 15,
        "daily_limit": 4,
        "weekly_limit": None,
        "is_active": True,
        "reminder_offsets": [1440, 60],
        "follow_up_delay": 120,
    }
    return body | changes


def test_meeting_types_round_trip_with_exact_fields(staff_client, me):
    page = PageFactory(seller=me)
    body = meeting_body(page)

    response = staff_client.post("/api/v1/meeting-types/", body, "json")

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created == body | {"id": created["id"]}
    assert MeetingType.objects.get(pk=created["id"]).daily_limit == 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration": 0}, "duration"),
        ({"slot_interval": 4}, "slot_interval"),
        ({"max_days_ahead": 0}, "max_days_ahead"),
        ({"daily_limit": 0}, "daily_limit"),
        ({"buffer_before": -5}, "buffer_before"),
        ({"location_type": "carrier_pigeon"}, "location_type"),
        ({"questions": [{"key": "Bad Key", "label": "x", "type": "text"}]}, "questions"),
        ({"questions": [{"key": "pick", "label": "x", "type": "select"}]}, "questions"),
        ({"reminder_offsets": [1440, 4]}, "reminder_offsets"),
        ({"reminder_offsets": [60, 60]}, "reminder_offsets"),
        ({"follow_up_delay": -1}, "follow_up_delay"),
    ],
)
def test_meeting_types_invalid_is_400(staff_client, me, changes, field):
    page = PageFactory(seller=me)

    response = staff_client.post("/api/v1/meeting-types/", meeting_body(page, **changes), "json")

    assert error(response) == (400, "invalid")
    assert list(response.json()["error"]["fields"]) == [field]


def test_meeting_types_duplicate_slug_on_page_is_400(staff_client, me):
    page = PageFactory(seller=me)
    MeetingTypeFactory(page=page, slug="intro")

    response = staff_client.post("/api/v1/meeting-types/", meeting_body(page), "json")

    assert error(response) == (400, "invalid")


def test_meeting_types_seller_limited_to_own_pages(me_client, me, other):
    own = MeetingTypeFactory(page=PageFactory(seller=me))
    team_type = MeetingTypeFactory(page=PageFactory(seller=None, team=TeamFactory(sellers=[me])))
    theirs = MeetingTypeFactory(page=PageFactory(seller=other))

    listed = {m["id"] for m in me_client.get("/api/v1/meeting-types/").json()["results"]}

    assert listed == {str(own.id), str(team_type.id)}
    assert me_client.patch(f"/api/v1/meeting-types/{own.id}/", {"name": "Mine"}).status_code == 200
    assert error(me_client.patch(f"/api/v1/meeting-types/{team_type.id}/", {"name": "T"})) == (
        403,
        "permission_denied",
    )
    assert error(me_client.get(f"/api/v1/meeting-types/{theirs.id}/")) == (404, "not_found")
    foreign = me_client.post("/api/v1/meeting-types/", meeting_body(theirs.page), "json")
    assert error(foreign) == (403, "permission_denied")
    moved = me_client.patch(
        f"/api/v1/meeting-types/{own.id}/", {"page": str(theirs.page.id)}, "json"
    )
    assert error(moved) == (403, "permission_denied")


# --- browsable API and schema -----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["", "sellers/", "overrides/", "teams/", "pages/", "meeting-types/", "availability"],
)
def test_browsable_api_renders(staff_client, me, path):
    MeetingTypeFactory(page=PageFactory(seller=me))
    OverrideFactory(seller=me)
    TeamFactory(sellers=[me])
    url = f"/api/v1/sellers/{me.id}/availability/" if path == "availability" else f"/api/v1/{path}"

    response = staff_client.get(url, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_schema_and_docs_are_served(staff_client):
    schema = staff_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/public/pages/{page}/{meeting_type}/slots/",
        "/api/v1/sellers/{id}/availability/",
        "/api/v1/meeting-types/",
    ):
        assert path in paths

    docs = APIClient().get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn." not in docs.content


@pytest.mark.parametrize("what", ["pages", "meeting-types", "teams"])
def test_config_delete_of_booked_rows_is_409(staff_client, what):
    seller = SellerFactory()
    team = TeamFactory(sellers=[seller])
    meeting = MeetingTypeFactory(page=PageFactory(seller=None, team=team))
    BookingFactory(meeting_type=meeting, seller=seller)
    target = {"pages": meeting.page_id, "meeting-types": meeting.id, "teams": team.id}[what]

    response = staff_client.delete(f"/api/v1/{what}/{target}/")

    assert error(response) == (409, "conflict")
