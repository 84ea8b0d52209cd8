"""Routing what-if: the replay's properties (pure) and POST routing/what-if/ end to end."""

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from routing.strategies import CandidateStats
from routing.whatif import Request, replay
from tests.bookings.conftest import LIMA, team_page
from tests.factories import StaffFactory
from tests.routing.test_routing_service import book, starts

IDS = ["a", "b", "c", "d"]
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

requests = st.lists(
    st.tuples(st.sets(st.sampled_from(IDS), min_size=1), st.sampled_from(IDS)),
    max_size=30,
).map(
    lambda rows: [
        Request(
            at=T0 + dt.timedelta(minutes=i),
            candidates=tuple(CandidateStats(seller_id=s) for s in sorted(free)),
            chosen=chosen,
        )
        for i, (free, chosen) in enumerate(rows)
    ]
)
names = st.sampled_from(["round_robin", "lowest_load", "weighted", "by_country", "scored"])


@given(requests, names)
def test_replay_gives_each_request_to_one_of_its_free_sellers(reqs, name):
    outcome = replay(reqs, strategy=name)
    assert sum(outcome.simulated.values()) == len(reqs) == outcome.requests
    assert sum(outcome.actual.values()) == len(reqs)
    free = Counter(s for r in reqs for s in {c.seller_id for c in r.candidates})
    assert all(outcome.simulated[s] <= free[s] for s in outcome.simulated)


@given(st.integers(0, 40))
def test_replayed_round_robin_over_always_free_sellers_is_even(n):
    reqs = [
        Request(at=T0, candidates=tuple(CandidateStats(seller_id=s) for s in IDS), chosen="a")
        for _ in range(n)
    ]
    counts = replay(reqs, strategy="round_robin").simulated
    assert max(counts.values(), default=0) - min(counts.values(), default=0) <= 1


@pytest.mark.django_db
def test_what_if_compares_actual_and_simulated_per_seller(staff_client):
    meeting_type, sellers = team_page(3, routing="round_robin")
    for n, start in enumerate(starts(6)):
        book(meeting_type, start, n)
    today = dt.datetime.now(LIMA).date().isoformat()
    body = {"page": str(meeting_type.page.pk), "start": today, "end": today}
    same = staff_client.post("/api/v1/routing/what-if/", body, format="json").json()
    assert same["requests"] == 6
    assert [(r["actual"], r["simulated"]) for r in same["sellers"]] == [(2, 2)] * 3
    heavy = {str(sellers[0].pk): 4}
    response = staff_client.post(
        "/api/v1/routing/what-if/", {**body, "routing": "weighted", "weights": heavy}, format="json"
    )
    assert response.status_code == 200
    rows = {r["seller"]: r for r in response.json()["sellers"]}
    assert rows[str(sellers[0].pk)]["simulated"] == 4
    assert sum(r["simulated"] for r in rows.values()) == 6
    assert rows[str(sellers[0].pk)]["difference"] == 2
    assert response.json()["routing"] == "weighted"


@pytest.mark.django_db
def test_what_if_is_for_staff_only(db):
    meeting_type, _ = team_page(2)
    client = APIClient()
    client.force_authenticate(StaffFactory(username="plain", is_superuser=False))
    body = {"page": str(meeting_type.page.pk), "start": "2026-01-01", "end": "2026-01-02"}
    assert client.post("/api/v1/routing/what-if/", body, format="json").status_code == 403


@pytest.mark.django_db
def test_what_if_rejects_an_unknown_strategy(staff_client):
    meeting_type, _ = team_page(2)
    body = {"page": str(meeting_type.page.pk), "start": "2026-01-01", "end": "2026-01-02"}
    response = staff_client.post(
        "/api/v1/routing/what-if/", {**body, "routing": "dice"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["routing"]
