"""Least privilege in the authenticated API, per role: a superuser, staff with and without
model permissions, a seller (issue 15, item 2)."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from bookings.models import Booking, BookingStatus
from routing.models import RoutingDecision
from sellers.models import Seller, Team
from tests.factories import BookingFactory, SellerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def staff_with(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def me():
    return SellerFactory(name="Me", weight=1, user=UserFactory(username="me"))


@pytest.fixture
def mate():
    return SellerFactory(name="Mate", weight=7)


# --- staff are held to their model permissions -----------------------------------------


def test_staff_without_permissions_sees_and_changes_nothing(me):
    client = client_for(staff_with())
    booking = BookingFactory(seller=me)

    assert client.get("/api/v1/sellers/").json()["count"] == 0
    assert client.get("/api/v1/teams/").json()["count"] == 0
    assert client.get("/api/v1/bookings/").json()["count"] == 0
    assert client.patch(f"/api/v1/sellers/{me.id}/", {"weight": 1000}).status_code == 404
    assert client.post("/api/v1/teams/", {"name": "T", "slug": "t"}).status_code == 403
    assert client.post(f"/api/v1/bookings/{booking.id}/cancel/", {}).status_code == 404
    me.refresh_from_db()
    assert me.weight == 1 and not Team.objects.exists()


def test_staff_with_view_only_reads_but_cannot_write(me):
    client = client_for(staff_with("view_seller", "view_booking"))
    booking = BookingFactory(seller=me)

    assert client.get("/api/v1/sellers/").json()["count"] == Seller.objects.count()
    response = client.patch(f"/api/v1/sellers/{me.id}/", {"weight": 1000})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert client.delete(f"/api/v1/sellers/{me.id}/").status_code == 403
    assert client.get(f"/api/v1/bookings/{booking.id}/").status_code == 200
    assert client.post(f"/api/v1/bookings/{booking.id}/cancel/", {}).status_code == 403
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_staff_with_change_may_change_routing_fields_but_not_add_or_delete(me):
    client = client_for(staff_with("change_seller"))
    booking = BookingFactory(seller=me)

    response = client.patch(f"/api/v1/sellers/{me.id}/", {"weight": 9, "region": "EMEA"})
    assert response.status_code == 200, response.json()
    assert (response.json()["weight"], response.json()["region"]) == (9, "EMEA")
    assert client.delete(f"/api/v1/sellers/{me.id}/").status_code == 403
    new = {"name": "N", "email": "n@x.io", "slug": "n", "timezone": "UTC", "languages": []}
    assert client.post("/api/v1/sellers/", new, format="json").status_code == 403
    assert client.get("/api/v1/bookings/").json()["count"] == 0  # no booking view permission
    assert client.post(f"/api/v1/bookings/{booking.id}/cancel/", {}).status_code == 404


def test_staff_with_change_booking_may_act_on_any_booking(me):
    booking = BookingFactory(seller=me)
    client = client_for(staff_with("change_booking"))  # change implies view, as in the admin
    assert client.post(f"/api/v1/bookings/{booking.id}/cancel/", {}).status_code == 200
    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_staff_with_add_and_delete_team_permissions(me):
    client = client_for(staff_with("add_team", "delete_team", "view_team"))
    created = client.post("/api/v1/teams/", {"name": "T", "slug": "t"}, format="json")
    assert created.status_code == 201, created.json()
    team_id = created.json()["id"]
    assert client.patch(f"/api/v1/teams/{team_id}/", {"name": "U"}).status_code == 403
    assert client.delete(f"/api/v1/teams/{team_id}/").status_code == 204


def test_staff_hours_need_the_availability_rule_permission(me):
    rules = {"rules": [{"weekday": 0, "start": "09:00", "end": "17:00"}]}
    url = f"/api/v1/sellers/{me.id}/availability/"
    readonly = client_for(staff_with("view_availabilityrule"))
    assert readonly.get(url).status_code == 200
    assert readonly.put(url, rules, format="json").status_code == 403
    writer = client_for(staff_with("change_availabilityrule"))
    assert writer.put(url, rules, format="json").status_code == 200


def test_superuser_may_do_everything(me, staff_client):
    assert staff_client.patch(f"/api/v1/sellers/{me.id}/", {"weight": 1000}).status_code == 200
    assert staff_client.post("/api/v1/teams/", {"name": "T", "slug": "t"}).status_code == 201


def test_inactive_staff_gets_nothing(me):
    user = UserFactory(is_staff=True, is_superuser=True, is_active=False)
    assert client_for(user).get("/api/v1/sellers/").json()["count"] == 0


# --- a seller edits only what does not steer routing -----------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight", 1000),
        ("country", "US"),
        ("region", "NA"),
        ("is_active", False),
        ("email", "me-too@example.com"),
    ],
)
def test_seller_may_not_change_routing_fields(me, field, value):
    response = client_for(me.user).patch(f"/api/v1/sellers/{me.id}/", {field: value})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: ["Only staff may change this field."]}
    fresh = Seller.objects.get(pk=me.pk)
    assert (fresh.weight, fresh.country, fresh.region, fresh.is_active) == (1, "PE", "LATAM", True)


def test_seller_changes_own_profile_and_may_send_routing_fields_unchanged(me):
    client = client_for(me.user)
    current = client.get(f"/api/v1/sellers/{me.id}/").json()

    response = client.put(
        f"/api/v1/sellers/{me.id}/",
        {**current, "name": "Me Too", "languages": ["de"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    me.refresh_from_db()
    assert (me.name, me.languages, me.weight) == ("Me Too", ["de"], 1)


# --- routing candidates ----------------------------------------------------------------


def decided_booking(me, mate) -> Booking:
    team = TeamFactory(sellers=[me, mate])
    figures = [
        {"seller": str(s.pk), "name": s.name, "load": load, "weight": s.weight, "rank": rank}
        for rank, (s, load) in enumerate([(me, 2), (mate, 5)], start=1)
    ]
    decision = RoutingDecision.objects.create(
        strategy="round_robin", reason="next in turn", candidates=figures, chosen=me
    )
    assert team.pk
    return BookingFactory(seller=me, routing_decision=decision)


def test_seller_sees_own_figures_but_only_name_and_rank_of_teammates(me, mate):
    booking = decided_booking(me, mate)

    routing = client_for(me.user).get(f"/api/v1/bookings/{booking.id}/").json()["routing"]

    assert routing["candidates"] == [
        {"seller": str(me.pk), "name": "Me", "load": 2, "weight": 1, "rank": 1},
        {"seller": str(mate.pk), "name": "Mate", "rank": 2},
    ]


def test_staff_who_may_view_bookings_see_every_figure(me, mate, staff_client):
    booking = decided_booking(me, mate)

    routing = staff_client.get(f"/api/v1/bookings/{booking.id}/").json()["routing"]

    assert [c["load"] for c in routing["candidates"]] == [2, 5]
    assert [c["weight"] for c in routing["candidates"]] == [1, 7]
