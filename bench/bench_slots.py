"""Benchmark of the whole `GET /api/v1/public/pages/{page}/{type}/slots/` request.

Targets (docs/benchmarks.md), for a 50-seller team × 31 days × 8 busy events per seller a day:
engine ≤ 10 ms, cold request p50 ≤ 60 ms (≤ 150 ms for 200 sellers), warm request p50 ≤ 3 ms,
≤ 6 queries cold and ≤ 1 warm (the first targets: 25 ms, 150 ms, 10 ms, ≤ 8 queries).

Each case: a team page of N sellers in America/New_York working 09:00–17:00 Mon–Fri; on
every day of the 31-day window, per seller, 2 confirmed bookings of the benchmarked meeting
type (09:00 and 14:00) and 6 external busy intervals at random times; a few date overrides
(a personal day off each, one company holiday); 30-minute meetings every 30 minutes with
10-minute buffers, 4 h notice, a daily limit of 4 and a weekly limit of 20 (never reached,
so every day is computed). The request goes through Django's test Client and the real
URL, middleware and renderer, against PostgreSQL and the configured cache (Redis when
REDIS_URL is set, as in production).

- engine: `available_slots` alone on inputs loaded once (median);
- load: the selectors' 4 queries (`seller_calendars`) for the window (median);
- cold: the request with the cache cleared first (median of --cold runs);
- warm: the same request again, answer cached (median of --warm runs);
- 304: the same with the answer's ETag in If-None-Match (median of --warm runs);
- queries: database queries of one cold and one warm request.

Run: .venv/bin/python bench/bench_slots.py [--sizes 1,10,50,100,200] [--cold 7] [--warm 50]
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meetroute_bench, created and
migrated when missing) and REDIS_URL (default redis://127.0.0.1:6379/14).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import statistics
import sys
import time

import django_env

django_env.configure(
    database_url="postgres://postgres@127.0.0.1:5432/meetroute_bench",
    redis_url="redis://127.0.0.1:6379/14",
)

ZONE = "America/New_York"
DAYS = 31
BUSY_PER_DAY = 6  # + 2 bookings = 8 busy events per seller per day
PREFIX = "bench-"


def clean() -> None:
    from bookings.models import Booking
    from scheduling.models import AvailabilityOverride, SchedulingPage
    from sellers.models import Seller, Team

    Booking.objects.filter(seller__slug__startswith=PREFIX).delete()
    SchedulingPage.objects.filter(slug__startswith=PREFIX).delete()
    AvailabilityOverride.objects.filter(seller__isnull=True, reason=PREFIX).delete()
    Seller.objects.filter(slug__startswith=PREFIX).delete()
    Team.objects.filter(slug__startswith=PREFIX).delete()


def build(size: int, first_day: dt.date):
    """A team page of `size` sellers with a month of bookings and busy time."""
    from zoneinfo import ZoneInfo

    from bookings.models import Booking
    from scheduling.cache import bump_global, bump_sellers
    from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType
    from scheduling.models import SchedulingPage as Page
    from sellers.models import BusyInterval, Seller, Team, TeamMembership

    rng = random.Random(size)
    tz = ZoneInfo(ZONE)
    tag = f"{PREFIX}{size}"
    sellers = Seller.objects.bulk_create(
        Seller(
            name=f"Bench {size}/{n}",
            email=f"{tag}-{n}@bench.example",
            slug=f"{tag}-{n}",
            country="US",
            region="NA",
            timezone=ZONE,
        )
        for n in range(size)
    )
    team = Team.objects.create(name=tag, slug=tag)
    TeamMembership.objects.bulk_create(TeamMembership(team=team, seller=s) for s in sellers)
    page = Page.objects.create(slug=tag, name=tag, timezone=ZONE, team=team)
    meeting = MeetingType.objects.create(
        page=page,
        slug="demo",
        name="Demo",
        duration=30,
        slot_interval=30,
        location_type="google_meet",
        buffer_before=10,
        buffer_after=10,
        min_notice=240,
        max_days_ahead=60,
        daily_limit=4,
        weekly_limit=20,
    )
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(seller=s, weekday=d, start=dt.time(9), end=dt.time(17))
        for s in sellers
        for d in range(5)
    )
    overrides = [
        AvailabilityOverride(seller=s, date=first_day + dt.timedelta(days=rng.randrange(DAYS)))
        for s in sellers
    ]
    overrides.append(
        AvailabilityOverride(seller=None, date=first_day + dt.timedelta(days=20), reason=PREFIX)
    )
    AvailabilityOverride.objects.bulk_create(overrides)

    bookings, busy = [], []
    for s in sellers:
        for d in range(DAYS):
            day = first_day + dt.timedelta(days=d)
            for hour in (9, 14):
                start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz).astimezone(dt.UTC)
                end = start + dt.timedelta(minutes=30)
                bookings.append(
                    Booking(
                        meeting_type=meeting,
                        seller=s,
                        start=start,
                        end=end,
                        blocked_start=start - dt.timedelta(minutes=10),
                        blocked_end=end + dt.timedelta(minutes=10),
                        timezone=ZONE,
                        name="Bench",
                        email="bench@example.com",
                        location_type="google_meet",
                        manage_token_hash=hashlib.sha256(os.urandom(16)).hexdigest(),
                        manage_token_expires_at=end + dt.timedelta(days=7),
                    )
                )
            for _ in range(BUSY_PER_DAY):
                minute = rng.randrange(7 * 60, 19 * 60, 5)
                start = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
                length = dt.timedelta(minutes=rng.choice((15, 30, 45, 60)))
                busy.append(BusyInterval(seller=s, start=start, end=start + length, source="b"))
    Booking.objects.bulk_create(bookings, batch_size=5000)
    BusyInterval.objects.bulk_create(busy, batch_size=5000)
    bump_sellers([s.id for s in sellers])
    bump_global()
    settle()
    return meeting, len(bookings) + len(busy)


def settle() -> None:
    """What autovacuum does soon after a bulk load: planner statistics for the new rows
    and no dead ones left by an earlier run's clean-up. Without it the first minutes after
    a seed plan with empty statistics and scan the dead index entries of every earlier
    run (the booking path's PostgreSQL time per booking measured 20 ms instead of 13)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def ms(seconds: float) -> float:
    return seconds * 1000


def measure(size: int, cold_runs: int, warm_runs: int) -> dict[str, object]:
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from scheduling.engine import available_slots
    from scheduling.models import MeetingType
    from scheduling.selectors import eligible_sellers, meeting_rules, seller_calendars

    now = timezone.now()
    from zoneinfo import ZoneInfo

    first_day = now.astimezone(ZoneInfo(ZONE)).date() + dt.timedelta(days=1)
    meeting, events = build(size, first_day)
    meeting = MeetingType.objects.select_related("page", "page__seller").get(pk=meeting.pk)
    url = f"/api/v1/public/pages/{meeting.page.slug}/{meeting.slug}/slots/"
    params = {
        "start": first_day.isoformat(),
        "end": (first_day + dt.timedelta(days=DAYS - 1)).isoformat(),
        "timezone": ZONE,
    }
    tz = ZoneInfo(ZONE)
    window_start = dt.datetime.combine(first_day, dt.time(0), tzinfo=tz)
    window_end = window_start + dt.timedelta(days=DAYS)

    sellers = eligible_sellers(meeting.page)
    loads = []
    for _ in range(5):
        t0 = time.perf_counter()
        calendars = seller_calendars(meeting, sellers, window_start, window_end)
        loads.append(time.perf_counter() - t0)
    rules = meeting_rules(meeting)
    engine = []
    for _ in range(15):
        t0 = time.perf_counter()
        available_slots(calendars, rules, window_start, window_end, now)
        engine.append(time.perf_counter() - t0)

    client = Client()
    client.get(url, params)  # warm up imports, connections, templates
    cold = []
    reset_queries()  # the request_started signal resets the log; start it from zero
    with CaptureQueriesContext(connection) as cold_queries:
        cache.clear()
        response = client.get(url, params)
    cold_count = len(cold_queries)  # read now: the next request resets the query log
    assert response.status_code == 200, response.content
    offered = sum(len(day["slots"]) for day in response.json()["days"])
    for _ in range(cold_runs):
        cache.clear()
        t0 = time.perf_counter()
        client.get(url, params)
        cold.append(time.perf_counter() - t0)
    client.get(url, params)
    warm = []
    for _ in range(warm_runs):
        t0 = time.perf_counter()
        client.get(url, params)
        warm.append(time.perf_counter() - t0)
    etag = client.get(url, params)["ETag"]
    revalidated = []
    for _ in range(warm_runs):
        t0 = time.perf_counter()
        client.get(url, params, HTTP_IF_NONE_MATCH=etag)
        revalidated.append(time.perf_counter() - t0)
    reset_queries()
    with CaptureQueriesContext(connection) as warm_queries:
        client.get(url, params)
    warm_count = len(warm_queries)
    return {
        "sellers": size,
        "events": events,
        "slots": offered,
        "engine": ms(statistics.median(engine)),
        "load": ms(statistics.median(loads)),
        "cold": ms(statistics.median(cold)),
        "warm": ms(statistics.median(warm)),
        "304": ms(statistics.median(revalidated)),
        "q_cold": cold_count,
        "q_warm": warm_count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50,100,200")
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--warm", type=int, default=50)
    args = parser.parse_args()
    django_env.setup_django()
    from django.conf import settings

    print(
        f"database {settings.DATABASES['default']['NAME']} · cache "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} · "
        f"{DAYS} days · {BUSY_PER_DAY + 2} busy events/seller/day · 30-min meetings"
    )
    header = (
        f"{'sellers':>7} {'busy rows':>9} {'slots':>6} {'engine ms':>9} {'load ms':>8} "
        f"{'cold p50':>9} {'warm p50':>9} {'304 p50':>8} {'queries cold/warm':>18}"
    )
    print(header)
    print("-" * len(header))
    try:
        clean()
        for size in (int(s) for s in args.sizes.split(",")):
            r = measure(size, args.cold, args.warm)
            print(
                f"{r['sellers']:>7} {r['events']:>9} {r['slots']:>6} {r['engine']:>9.1f} "
                f"{r['load']:>8.1f} {r['cold']:>9.1f} {r['warm']:>9.2f} {r['304']:>8.2f} "
                f"{r['q_cold']:>12}/{r['q_warm']}",
                flush=True,
            )
            clean()
    finally:
        clean()
    print(
        "targets (docs/benchmarks.md): engine ≤ 10 ms (50) / ≤ 30 ms (200); cold p50 ≤ 60 ms "
        "(50) / ≤ 150 ms (200); warm p50 ≤ 3 ms; queries ≤ 6 cold / ≤ 1 warm"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
