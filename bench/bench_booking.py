"""Benchmark of `POST /api/v1/public/pages/{page}/{type}/bookings/` and the booking race.

Target (docs/benchmarks.md): p50 <= 50 ms and <= 20 queries with providers on (their work
deferred to the outbox; the first target was 100 ms). Each booking goes through Django's
test Client and the real URL, middleware, validation, routing, lock, row-locked re-check,
insert, decision, event, metric and outbox rows, against PostgreSQL and Redis. Pipedrive and
HubSpot are configured, so every booking writes email + CRM outbox rows; the Celery broker
is an in-memory one without a worker, so no provider is called inline (as in production,
where workers drain the outbox).

- latency: --count sequential bookings on a round-robin team of 3, each on a free slot,
  throttle off; p50 / p99 / mean in ms and queries per booking;
- race (threads): --racers concurrent bookings of ONE slot on a team of 3 → successes,
  409s, 5xx, elapsed; then the same with Redis unreachable (--unreachable-redis: by default
  a port where nothing listens, refused at once; point it at a host that drops packets, or
  at a listener that never answers, for the slow kind);
- race (processes): --procs separate processes booking one slot on a team of 3.

Beyond PostgreSQL's 100 connections: `DB_POOL_MAX_SIZE=20 … --racers 100` runs the thread
race through a psycopg pool of 20 (threads wait for a connection instead of failing).

Run: .venv/bin/python bench/bench_booking.py [--count 200] [--racers 100] [--procs 24]
     [--latency-only] [--show-queries]   (queries per booking by kind; one booking's statements)
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meetroute_bench_booking,
created and migrated when missing) and REDIS_URL (default redis://127.0.0.1:6379/13).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import multiprocessing
import os
import re
import statistics
import sys
import threading
import time
from collections import Counter

import django_env

django_env.configure(
    database_url="postgres://postgres@127.0.0.1:5432/meetroute_bench_booking",
    redis_url="redis://127.0.0.1:6379/13",
    CELERY_BROKER_URL="memory://",  # enqueue, never run inline
    PIPEDRIVE_API_TOKEN="bench-token",
    PIPEDRIVE_COMPANY_DOMAIN="bench",
    HUBSPOT_ACCESS_TOKEN="bench-token",
    LOG_LEVEL="ERROR",
)

PREFIX = "benchbk-"
ZONE = "America/Lima"


def clean() -> None:
    from bookings.models import Booking
    from routing.models import RoutingDecision, RoutingState
    from scheduling.models import SchedulingPage
    from sellers.models import Seller, SellerMetric, Team

    Booking.objects.filter(seller__slug__startswith=PREFIX).delete()
    RoutingDecision.objects.filter(chosen__slug__startswith=PREFIX).delete()
    SellerMetric.objects.filter(seller__slug__startswith=PREFIX).delete()
    RoutingState.objects.filter(pool_key__startswith="page:").delete()
    SchedulingPage.objects.filter(slug__startswith=PREFIX).delete()
    Seller.objects.filter(slug__startswith=PREFIX).delete()
    Team.objects.filter(slug__startswith=PREFIX).delete()


def build(tag: str, sellers: int = 3):
    """A round-robin team page whose sellers work 08:00–20:00 every day, 30-min meetings."""
    from scheduling.models import AvailabilityRule, MeetingType, SchedulingPage
    from sellers.models import Seller, Team, TeamMembership

    team = Team.objects.create(name=tag, slug=f"{PREFIX}{tag}")
    for n in range(sellers):
        seller = Seller.objects.create(
            name=f"{tag} {n}",
            email=f"{PREFIX}{tag}-{n}@example.com",
            slug=f"{PREFIX}{tag}-{n}",
            country="PE",
            timezone=ZONE,
        )
        TeamMembership.objects.create(team=team, seller=seller)
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(seller=seller, weekday=d, start=dt.time(8), end=dt.time(20))
            for d in range(7)
        )
    page = SchedulingPage.objects.create(
        slug=f"{PREFIX}{tag}", name=tag, timezone=ZONE, team=team, routing="round_robin"
    )
    questions = [
        {"key": "size", "label": "Company size", "type": "select", "required": True,
         "options": ["1-10", "11-100", "100+"]},
    ]  # fmt: skip
    MeetingType.objects.create(
        page=page,
        slug="demo",
        name="Demo",
        duration=30,
        slot_interval=30,
        location_type="google_meet",
        min_notice=60,
        max_days_ahead=60,
        questions=questions,
        max_bookings_per_email=1000,
    )
    return f"/api/v1/public/pages/{page.slug}/demo/bookings/"


def payload(start: dt.datetime, n: int) -> dict:
    return {
        "start": start.isoformat(),
        "timezone": ZONE,
        "name": f"Prospect {n}",
        "email": f"prospect{n}@example.com",
        "phone": "+51 912 345 678",
        "country": "PE",
        "answers": {"size": "11-100"},
    }


def slot_starts(count: int) -> list[dt.datetime]:
    """Distinct slot starts from two days ahead, 08:00–19:30 Lima, each used 3 times."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ZONE)
    first = dt.datetime.now(tz).date() + dt.timedelta(days=2)
    starts = []
    day = 0
    while len(starts) < count:
        for half_hour in range(24):
            start = dt.datetime.combine(first + dt.timedelta(days=day), dt.time(8), tzinfo=tz)
            starts += [start + dt.timedelta(minutes=30 * half_hour)] * 3
        day += 1
    return starts[:count]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


#: The table a statement reads or writes (the first after FROM, INTO or UPDATE).
TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)

#: Or, for a SELECT of no table, the function it calls (``pg_advisory_xact_lock``).
FUNCTION = re.compile(r"^SELECT\s+(\w+)\(", re.IGNORECASE)


#: A write inside a data-modifying WITH (``config.sqlbatch``).
WRITE = re.compile(r'(?<!DO )\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def query_kind(sql: str) -> str:
    """A short name for a statement: its verb and main table, e.g. ``INSERT
    bookings_booking``, ``SELECT FOR UPDATE sellers_seller``, ``SAVEPOINT``; a WITH lists
    the writes it carries."""
    verb = sql.split(None, 1)[0].upper()
    if verb == "WITH":
        writes = [f"{m.group(1).split()[0].upper()} {m.group(2)}" for m in WRITE.finditer(sql)]
        return "WITH " + " + ".join(writes)
    if verb not in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
        return verb
    if verb == "SELECT" and sql.rstrip().upper().endswith(("FOR UPDATE", "FOR NO KEY UPDATE")):
        verb = "SELECT FOR UPDATE"
    outer = [m for m in TABLE.finditer(sql) if _depth(sql, m.start()) == 0]
    table = outer[0] if outer else FUNCTION.search(sql)
    return f"{verb} {table.group(1)}" if table else sql[:60]


def _depth(sql: str, at: int) -> int:
    """How many parentheses are open at ``at`` (0: the statement's own clause)."""
    return sql.count("(", 0, at) - sql.count(")", 0, at)


def latency(count: int, show_queries: bool = False) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    url = build("latency")
    client = Client()
    # Not measured: the first booking of the process pays its imports and cold caches.
    first, *starts = slot_starts(count + 1)
    client.post(url, payload(first, count), content_type="application/json")
    times, queries, statuses = [], [], Counter()
    kinds: Counter[str] = Counter()
    cpu = time.process_time()
    for n, start in enumerate(starts):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.post(url, payload(start, n), content_type="application/json")
            times.append(time.perf_counter() - began)
        queries.append(len(captured))
        kinds.update(query_kind(q["sql"]) for q in captured.captured_queries)
        statuses[response.status_code] += 1
        if show_queries and n == count // 2:
            print(f"queries of booking {n}:")
            for number, query in enumerate(captured.captured_queries, start=1):
                print(f"  {number:2} {query['sql'][:240]}")
    cpu = time.process_time() - cpu
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(
        f"POST bookings x{count}: p50 {ms(statistics.median(times))} ms, p99 {ms(p99)} ms, "
        f"mean {ms(statistics.fmean(times))} ms, max {ms(times[-1])} ms, "
        f"CPU of this process {ms(cpu / count)} ms per booking; "
        f"queries/booking median {statistics.median(queries)}; statuses {dict(statuses)}"
    )
    from bookings.outbox.models import SyncJob

    jobs = SyncJob.objects.filter(booking__seller__slug__startswith=PREFIX).count()
    print(f"  outbox rows written: {jobs} ({jobs / max(1, statuses[201]):.1f} per booking)")
    print("  queries per booking by kind (mean):")
    for kind, total in sorted(kinds.items(), key=lambda item: (-item[1], item[0])):
        print(f"    {total / count:5.2f}  {kind}")


def thread_race(racers: int, label: str, tag: str) -> None:
    from django.db import connection
    from django.test import Client

    from bookings.models import Booking

    url = build(tag)
    start = slot_starts(1)[0]
    barrier = threading.Barrier(racers)
    statuses: list[int] = []
    guard = threading.Lock()

    def run(n: int) -> None:
        try:
            client = Client()
            barrier.wait()
            code = client.post(url, payload(start, n), content_type="application/json")
            with guard:
                statuses.append(code.status_code)
        except Exception:  # counted as a 5xx: a race must never raise
            with guard:
                statuses.append(599)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(racers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    report(label, racers, Counter(statuses), elapsed, Booking, url)


def report(label, racers, counts, elapsed, Booking, url) -> None:
    from django.db import connection

    slug = url.split("/")[5]
    confirmed = Booking.objects.filter(meeting_type__page__slug=slug, status="confirmed")
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
                 ON a.seller_id = b.seller_id AND a.id < b.id
                AND a.status = 'confirmed' AND b.status = 'confirmed'
                AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end"""
        )
        overlaps = cursor.fetchone()[0]
    server_errors = sum(v for k, v in counts.items() if k >= 500)
    print(
        f"{label}: {racers} concurrent, {counts.get(201, 0)} x 201, {counts.get(409, 0)} x 409, "
        f"{server_errors} x 5xx, other {dict((k, v) for k, v in counts.items() if k not in (201, 409) and k < 500)}, "  # noqa: E501
        f"confirmed in DB {confirmed.count()}, overlaps {overlaps}, elapsed {ms(elapsed)} ms"
    )


def _process_racer(url: str, start_iso: str, n: int, go, out) -> None:
    from django.db import connection
    from django.test import Client

    connection.close()  # never share the parent's socket
    client = Client()
    go.wait()
    try:
        response = client.post(
            url, payload(dt.datetime.fromisoformat(start_iso), n), content_type="application/json"
        )
        out.put(response.status_code)
    except Exception:
        out.put(599)
    finally:
        connection.close()


def process_race(procs: int) -> None:
    from django.db import connection

    from bookings.models import Booking

    url = build("procs")
    start = slot_starts(1)[0]
    connection.close()
    if getattr(connection, "pool", None):
        # DB_POOL_MAX_SIZE: a forked child must not inherit the parent's pool (its sockets
        # and its threads); each racer opens its own, as separate servers would.
        connection.close_pool()
    ctx = multiprocessing.get_context("fork")
    go, out = ctx.Barrier(procs + 1), ctx.Queue()
    workers = [
        ctx.Process(target=_process_racer, args=(url, start.isoformat(), n, go, out))
        for n in range(procs)
    ]
    for worker in workers:
        worker.start()
    go.wait()
    began = time.perf_counter()
    counts = Counter(out.get() for _ in workers)
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    report("race, separate processes", procs, counts, elapsed, Booking, url)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--racers", type=int, default=50)
    parser.add_argument("--procs", type=int, default=24)
    parser.add_argument("--unreachable-redis", default="redis://127.0.0.1:1/0")
    parser.add_argument(
        "--show-queries", action="store_true", help="print the statements of one booking"
    )
    parser.add_argument(
        "--latency-only", action="store_true", help="skip the races (query counts, timings)"
    )
    args = parser.parse_args()
    django_env.setup_django()
    from django.test import override_settings

    logging.getLogger("django.request").setLevel(logging.ERROR)  # 409s are expected here
    clean()
    now = dt.datetime.now(dt.UTC)
    print(f"PostgreSQL + Redis, {os.cpu_count()} cores, {now:%Y-%m-%d %H:%M} UTC")
    try:
        latency(args.count, show_queries=args.show_queries)
        if args.latency_only:
            return 0
        thread_race(args.racers, "race, threads", "threads")
        dead = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": args.unreachable_redis,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
            }
        }
        with override_settings(CACHES=dead):
            thread_race(args.racers, "race, threads, Redis unreachable", "noredis")
        process_race(args.procs)
    finally:
        clean()
    return 0


if __name__ == "__main__":
    sys.exit(main())
