"""Configuration API for sellers and teams: permissions, validation, shapes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from sellers.models import Seller, Team, TeamMembership
from sellers.services import set_team_members
from tests.factories import BookingFactory, OverrideFactory, SellerFactory, TeamFactory, UserFactory

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


def seller_body(**changes):
    body = {
        "name": "New Seller",
        "email": "new@example.com",
        "slug": "new-seller",
        "country": "PE",
        "region": "LATAM",
        "timezone": "America/Lima",
        "languages": ["es", "en"],
        "is_active": True,
        "weight": 2,
    }
    return body | changes


# --- sellers ----------------------------------------------------------------------------


def test_sellers_staff_lists_all_paginated(staff_client, me, other):
    response = staff_client.get("/api/v1/sellers/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert body["results"][0] == {
        "id": str(me.id),
        "name": "Me",
        "email": me.email,
        "slug": me.slug,
        "country": "PE",
        "region": "LATAM",
        "timezone": "America/Lima",
        "languages": [],
        "is_active": True,
        "weight": 1,
        "provider_problem": "",
    }


def test_sellers_list_query_count_does_not_grow(staff_client):
    SellerFactory()
    with CaptureQueriesContext(connection) as one:
        staff_client.get("/api/v1/sellers/")
    SellerFactory.create_batch(3)
    with CaptureQueriesContext(connection) as four:
        staff_client.get("/api/v1/sellers/")
    assert len(one) == len(four)


def test_sellers_staff_creates_and_validates(staff_client):
    response = staff_client.post("/api/v1/sellers/", seller_body(), format="json")
    assert response.status_code == 201, response.json()
    assert Seller.objects.get(slug="new-seller").weight == 2

    bad = staff_client.post(
        "/api/v1/sellers/",
        seller_body(slug="x", email="x@example.com", timezone="Mars/Base", country="ZZ", weight=0),
        format="json",
    )
    assert error(bad) == (400, "invalid")
    assert sorted(bad.json()["error"]["fields"]) == ["country", "timezone", "weight"]


def test_sellers_seller_sees_and_edits_only_themselves(me_client, me, other):
    listed = me_client.get("/api/v1/sellers/").json()
    assert [s["id"] for s in listed["results"]] == [str(me.id)]

    assert error(me_client.get(f"/api/v1/sellers/{other.id}/")) == (404, "not_found")
    assert error(me_client.patch(f"/api/v1/sellers/{other.id}/", {"name": "X"})) == (
        404,
        "not_found",
    )
    assert me_client.patch(f"/api/v1/sellers/{me.id}/", {"name": "Me Too"}).status_code == 200
    me.refresh_from_db()
    assert me.name == "Me Too"


def test_sellers_seller_cannot_create_or_delete(me_client, me):
    assert error(me_client.post("/api/v1/sellers/", seller_body(), format="json")) == (
        403,
        "permission_denied",
    )
    assert error(me_client.delete(f"/api/v1/sellers/{me.id}/")) == (403, "permission_denied")


def test_sellers_delete_with_bookings_is_409(staff_client):
    booking = BookingFactory()

    response = staff_client.delete(f"/api/v1/sellers/{booking.seller_id}/")

    assert error(response) == (409, "conflict")


def test_config_user_without_seller_sees_nothing(me, other):
    client = APIClient()
    client.force_authenticate(UserFactory(username="nobody"))
    OverrideFactory(seller=None)

    for path in ("sellers/", "overrides/", "teams/", "pages/", "meeting-types/"):
        assert client.get(f"/api/v1/{path}").json()["count"] == 0, path
    assert error(client.get(f"/api/v1/sellers/{me.id}/availability/")) == (404, "not_found")
    assert error(
        client.post("/api/v1/overrides/", {"seller": str(me.id), "date": "2026-12-24"})
    ) == (403, "permission_denied")


# --- teams ------------------------------------------------------------------------------


def test_teams_staff_creates_and_replaces_members(staff_client, me, other):
    created = staff_client.post(
        "/api/v1/teams/",
        {"name": "Sales", "slug": "sales", "members": [str(me.id), str(other.id)]},
        "json",
    )
    assert created.status_code == 201, created.json()
    team = Team.objects.get(slug="sales")
    assert set(team.members.all()) == {me, other}

    response = staff_client.patch(f"/api/v1/teams/{team.id}/", {"members": [str(other.id)]}, "json")

    assert response.status_code == 200
    assert response.json()["members"] == [str(other.id)]
    assert list(team.members.all()) == [other]


def test_teams_unknown_member_is_400(staff_client):
    response = staff_client.post(
        "/api/v1/teams/",
        {"name": "Sales", "slug": "sales", "members": ["00000000-0000-0000-0000-000000000000"]},
        "json",
    )

    assert error(response) == (400, "invalid")
    assert list(response.json()["error"]["fields"]) == ["members.0"] or list(
        response.json()["error"]["fields"]
    ) == ["members"]


def test_teams_seller_reads_own_teams_only(me_client, me, other):
    mine = TeamFactory(sellers=[me, other])
    TeamFactory(sellers=[other])

    listed = me_client.get("/api/v1/teams/").json()["results"]

    assert [t["id"] for t in listed] == [str(mine.id)]
    assert error(me_client.patch(f"/api/v1/teams/{mine.id}/", {"name": "Mine"})) == (
        403,
        "permission_denied",
    )
    assert error(me_client.post("/api/v1/teams/", {"name": "X", "slug": "x"})) == (
        403,
        "permission_denied",
    )


def test_teams_list_query_count_does_not_grow(staff_client):
    TeamFactory(sellers=[SellerFactory()])
    with CaptureQueriesContext(connection) as one:
        staff_client.get("/api/v1/teams/")
    for _ in range(3):
        TeamFactory(sellers=SellerFactory.create_batch(2))
    with CaptureQueriesContext(connection) as four:
        staff_client.get("/api/v1/teams/")
    assert len(one) == len(four)


# --- service --------------------------------------------------------------------------


def test_set_team_members_adds_and_removes_and_is_idempotent():
    a, b, c = SellerFactory(), SellerFactory(), SellerFactory()
    team = TeamFactory(sellers=[a, b])

    set_team_members(team=team, seller_ids=[b.id, c.id])
    set_team_members(team=team, seller_ids=[b.id, c.id])

    assert set(TeamMembership.objects.filter(team=team).values_list("seller_id", flat=True)) == {
        b.id,
        c.id,
    }


def test_sellers_provider_problem_is_shown_and_read_only(me_client, me):
    Seller.objects.filter(pk=me.pk).update(provider_problem="teams: access policy missing for me")

    answer = me_client.patch(f"/api/v1/sellers/{me.id}/", {"provider_problem": ""}, "json")

    assert answer.status_code == 200
    assert answer.json()["provider_problem"] == "teams: access policy missing for me"
