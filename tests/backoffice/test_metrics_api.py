"""GET metrics/summary/ and metrics/export.csv: figures, scope, permissions, query count."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.backoffice.conftest import MONDAY, at, booking
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-01-01", "end": "2026-01-31"}


def test_summary_of_a_page_gives_every_figure(staff_client, world):
    response = staff_client.get("/api/v1/metrics/summary/", {**RANGE, "page": world["page"].pk})
    assert response.status_code == 200
    data = response.json()
    assert (data["bookings"], data["cancelled"], data["completed"], data["no_show"]) == (4, 1, 1, 1)
    assert data["deals_won"] == 1
    assert data["cancellation_rate"] == 0.25
    assert data["no_show_rate"] == 0.5
    assert data["zone"] == "Europe/Madrid"
    assert data["lead_time_hours_p50"] == 2.0
    assert data["lead_time_hours"] == {
        "<1h": 0,
        "1–24h": 3,
        "1–3d": 0,
        "3–7d": 1,
        "7–14d": 0,
        "14d+": 0,
    }
    heat = data["by_weekday_hour"]
    assert len(heat) == 7 and all(len(row) == 24 for row in heat)
    assert heat[0][10] == 2  # Monday 10:00 Madrid: the cancelled one is not a booked slot
    assert heat[2][15] == 1
    assert sum(map(sum, heat)) == 3
    assert data["by_country"]["PE"]["bookings"] == 3
    assert data["by_country"]["ES"] == {
        "bookings": 1,
        "cancelled": 0,
        "rescheduled": 0,
        "completed": 1,
        "no_show": 0,
        "deals_won": 1,
    }
    shares = {row["name"]: row for row in data["share_vs_weight"]}
    assert (shares["Ana"]["share"], shares["Ana"]["weight_share"]) == (0.75, 0.25)
    assert (shares["Bea"]["share"], shares["Bea"]["weight_share"]) == (0.25, 0.75)
    assert shares["Bea"]["deals_won"] == 1
    assert sorted(data["by_week"], key=lambda r: r["bookings"]) == [
        {"week": "2026-01-05", "seller": str(world["bea"].pk), "bookings": 1},
        {"week": "2026-01-05", "seller": str(world["ana"].pk), "bookings": 3},
    ]


def test_summary_filtered_by_seller(staff_client, world):
    data = staff_client.get("/api/v1/metrics/summary/", {**RANGE, "seller": world["bea"].pk}).json()
    assert (data["bookings"], data["completed"]) == (1, 1)
    assert [row["name"] for row in data["share_vs_weight"]] == ["Bea"]


def test_seller_reads_only_their_own_summary(world):
    client = APIClient()
    client.force_authenticate(world["ana"].user)
    data = client.get("/api/v1/metrics/summary/", {**RANGE, "seller": world["bea"].pk}).json()
    assert data["bookings"] == 3
    assert [row["name"] for row in data["share_vs_weight"]] == ["Ana"]


def test_staff_without_the_permission_is_refused(world):
    client = APIClient()
    client.force_authenticate(StaffFactory(username="plain", is_superuser=False))
    assert client.get("/api/v1/metrics/summary/", RANGE).status_code == 403
    assert client.get("/api/v1/metrics/export.csv", RANGE).status_code == 403


def test_summary_rejects_a_reversed_range(staff_client, db):
    response = staff_client.get(
        "/api/v1/metrics/summary/", {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"end": ["end must not be before start."]}


def test_summary_query_count_does_not_grow_with_bookings(staff_client, world):
    params = {**RANGE, "page": world["page"].pk}
    with CaptureQueriesContext(connection) as before:
        staff_client.get("/api/v1/metrics/summary/", params)
    for day in range(1, 20):
        booking(world["meeting_type"], world["bea"], at(MONDAY + dt.timedelta(days=day), 8))
    with CaptureQueriesContext(connection) as after:
        assert staff_client.get("/api/v1/metrics/summary/", params).json()["bookings"] == 4
    assert len(after) == len(before)


def test_export_has_one_row_per_booking_and_defuses_formulas(staff_client, world):
    booking(world["meeting_type"], world["ana"], at(MONDAY, 12), name="=HYPERLINK(1)")
    response = staff_client.get("/api/v1/metrics/export.csv", {**RANGE, "page": world["page"].pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 5
    assert sorted(r["status"] for r in rows) == [
        "cancelled",
        "completed",
        "confirmed",
        "confirmed",
        "no_show",
    ]
    assert "'=HYPERLINK(1)" in [r["name"] for r in rows]
    assert {r["lead_time_hours"] for r in rows} == {"2.0", "120.0"}
