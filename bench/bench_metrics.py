"""Benchmark of the analytics summary (`GET /api/v1/metrics/summary/`) over 100,000 bookings.

Target (docs/benchmarks.md): the summary of 100,000 bookings in under 1 s, a constant
number of queries. Seeds (once) a team page of 20 sellers with --count bookings spread over
a year (bulk insert: the figures, not the booking path, are measured here), then
`rebuild_metrics` for the year, then times `bookings.analytics.summary` for the whole year
(page scope: the heat map and lead times read the page's bookings) and the HTTP request.

Run: .venv/bin/python bench/bench_metrics.py [--count 100000] [--repeat 5]
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meetroute_bench_metrics,
created and migrated when missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

import django_env

django_env.configure(
    database_url="postgres://postgres@127.0.0.1:5432/meetroute_bench_metrics",
    redis_url="redis://127.0.0.1:6379/13",
    EMAIL_URL="smtp://localhost:25",  # never used: nothing here sends mail
    LOG_LEVEL="ERROR",
)

PREFIX = "benchmx-"
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
STATUSES = ["confirmed"] * 5 + ["cancelled", "completed", "completed", "no_show"]
COUNTRIES = ["PE", "CL", "ES", "MX", "CO", "AR", ""]


def seed(count: int) -> object:
    """The bench page, with ``count`` bookings (kept between runs when already there)."""
    from bookings.models import Booking
    from scheduling.models import MeetingType, SchedulingPage
    from sellers.models import Seller, Team, TeamMembership

    page = SchedulingPage.objects.filter(slug=f"{PREFIX}page").first()
    if page and Booking.objects.filter(meeting_type__page=page).count() == count:
        return page
    Booking.objects.filter(seller__slug__startswith=PREFIX).delete()
    team, _ = Team.objects.get_or_create(slug=f"{PREFIX}team", defaults={"name": "Bench"})
    sellers = []
    for i in range(20):
        seller, _ = Seller.objects.get_or_create(
            slug=f"{PREFIX}{i}",
            defaults={"name": f"Bench {i:02}", "email": f"{PREFIX}{i}@example.com",
                      "timezone": "Europe/Madrid", "weight": 1 + i % 3},
        )  # fmt: skip
        TeamMembership.objects.get_or_create(team=team, seller=seller)
        sellers.append(seller)
    page = page or SchedulingPage.objects.create(
        slug=f"{PREFIX}page", name="Bench", team=team, timezone="Europe/Madrid"
    )
    meeting_type, _ = MeetingType.objects.get_or_create(
        page=page, slug="call", defaults={"name": "Call", "duration": 30}
    )
    rng = random.Random(7)
    start0 = dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC)
    rows = []
    for n in range(count):
        # Distinct 30-minute slots per seller: the exclusion constraint holds.
        seller = sellers[n % 20]
        start = start0 + dt.timedelta(minutes=30 * (n // 20))
        status = rng.choice(STATUSES)
        rows.append(
            Booking(
                meeting_type=meeting_type, seller=seller, status=status, start=start,
                end=start + dt.timedelta(minutes=30), blocked_start=start,
                blocked_end=start + dt.timedelta(minutes=30), timezone="Europe/Madrid",
                name=f"P{n}", email=f"p{n}@example.com", country=rng.choice(COUNTRIES),
                location_type="google_meet", manage_token_hash=f"{PREFIX}{n}",
                manage_token_expires_at=start + dt.timedelta(days=7),
            )
        )  # fmt: skip
    Booking.objects.bulk_create(rows, batch_size=5000)
    # Lead times: made between 1 hour and 30 days ahead.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_booking SET created_at = start - (random() * interval '30 days')"
            " - interval '1 hour' WHERE manage_token_hash LIKE %s",
            [f"{PREFIX}%"],
        )
        cursor.execute("ANALYZE bookings_booking")  # as autovacuum would, soon after
    return page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    django_env.setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bookings import analytics, metrics
    from tests.factories import StaffFactory

    t0 = time.perf_counter()
    page = seed(args.count)
    print(f"seeded {args.count} bookings in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    rows = metrics.rebuild(start=YEAR[0], end=YEAR[1])
    print(f"rebuild_metrics for 2025: {rows} rows in {time.perf_counter() - t0:.2f} s")
    scope = analytics.Scope(start=YEAR[0], end=YEAR[1], page=page)
    timings = []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            figures = analytics.summary(scope)
            timings.append(time.perf_counter() - t0)
    assert figures["bookings"] == args.count, figures["bookings"]
    print(
        f"summary of {figures['bookings']} bookings: "
        f"p50 {statistics.median(timings) * 1000:.0f} ms,"
        f" max {max(timings) * 1000:.0f} ms, {len(queries)} queries"
    )
    client = Client()
    client.force_login(StaffFactory(username=f"{PREFIX}staff"))
    url = f"/api/v1/metrics/summary/?start={YEAR[0]}&end={YEAR[1]}&page={page.pk}"
    http = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        assert client.get(url, secure=True).status_code == 200
        http.append(time.perf_counter() - t0)
    print(f"GET metrics/summary/ (HTTP): p50 {statistics.median(http) * 1000:.0f} ms")
    t0 = time.perf_counter()
    response = client.get(url.replace("summary/", "export.csv"), secure=True)
    size = sum(len(chunk) for chunk in response.streaming_content)
    print(f"GET metrics/export.csv: {size / 1e6:.1f} MB in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
