"""`make load`: requests per second over real HTTP against our own gunicorn.

Starts gunicorn (3 workers × 4 threads, gthread) on a free loopback port with production
settings (DEBUG off, PostgreSQL, Redis cache, Celery broker in memory so no provider work
runs inline), seeds the 50-seller round-robin team page of bench/bench_slots.py, runs the
scenarios below with the small asyncio client of bench/http_load.py, prints req/s, p50,
p99 and errors per scenario, then stops gunicorn and removes the seeded rows. Every
scenario is bounded in requests and in seconds. Never part of `make test`.

- trivial: a request the stack answers without the database (`/health/` when the project
  has it, else the API docs page, a template and no query), 16 connections: the ceiling to
  compare with;
- warm slots: `GET …/slots/` for 31 days, answered from the cache, 16 connections;
- warm slots 304: the same with the answer's ETag in `If-None-Match` (a revisiting client);
  after each round, both as a share of the trivial endpoint's req/s, beside the targets;
- one booking at a time: one client booking 40 distinct starts (the latency of
  `POST …/bookings/` over HTTP, target p50 ≤ 50 ms);
- bookings: 16 clients booking 200 other distinct slot starts of the page (each start
  once), then the routed bookings per seller (all 288 of the three booking runs over 50
  sellers: 5-6 each, ± the busy skips). Like the GET scenarios it is measured warm: 16
  clients first book 48 starts of the weeks after the seeded month, unmeasured, so that
  every worker thread has opened its database connection and every process has its memo
  (`scheduling.cache.memo`), as in a server that has been up a while.

Run: .venv/bin/python bench/load.py [--seconds 15] [--requests 4000] [--bookings-only]
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meetroute_load, created and
migrated when missing) and REDIS_URL (default redis://127.0.0.1:6379/12).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import django_env

django_env.configure(
    database_url="postgres://postgres@127.0.0.1:5432/meetroute_load",
    redis_url="redis://127.0.0.1:6379/12",
    # Production settings: one cache key space shared by the workers, DEBUG off.
    DJANGO_SETTINGS_MODULE="config.settings",
    CELERY_BROKER_URL="memory://localhost/",  # enqueue, never run inline
    LOG_LEVEL="ERROR",
)

import bench_slots  # noqa: E402  (after the environment it reads)
import http_load  # noqa: E402

CONNECTIONS = 16
BOOKINGS = 200
SINGLE = 40  # booked one at a time first, for the latency of one booking over HTTP
WARM = 48  # booked by 16 clients before the measured run, unmeasured
SELLERS = 50
#: docs/benchmarks.md, "Targets": warm slots at least this share of the trivial endpoint's
#: requests per second, and at least this many.
WARM_SHARE, WARM_RATE = 0.5, 800.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "3",
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
    ]
    # Its own process group, so stopping it stops its workers too.
    return subprocess.Popen(command, cwd=django_env.ROOT, start_new_session=True)


def wait_until_up(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/public/", timeout=2)
        except urllib.error.HTTPError:
            return  # any HTTP answer means a worker serves
        except OSError:
            time.sleep(0.2)
        else:
            return
    raise RuntimeError(f"gunicorn did not answer on port {port} within {seconds} s")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def trivial_path(port: int) -> str:
    """`/health/` when the project serves it, else the API docs page (no database)."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5)
    except OSError:
        return "/api/v1/docs/"
    return "/health/"


def seed() -> tuple[str, str, dict[str, str]]:
    """The 50-seller page: its slots path, bookings path and the seeded month's slots
    query."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    first_day = timezone.now().astimezone(ZoneInfo(bench_slots.ZONE)).date()
    first_day += dt.timedelta(days=1)
    meeting, _ = bench_slots.build(SELLERS, first_day)
    meeting.max_bookings_per_email = 1000
    meeting.save()
    base = f"/api/v1/public/pages/{meeting.page.slug}/{meeting.slug}"
    query = {
        "start": first_day.isoformat(),
        "end": (first_day + dt.timedelta(days=bench_slots.DAYS - 1)).isoformat(),
        "timezone": bench_slots.ZONE,
    }
    return f"{base}/slots/", f"{base}/bookings/", query


def clean() -> None:
    """Remove what `seed` and the booking scenario wrote (routing rows point at sellers)."""
    from routing.models import RoutingDecision, RoutingState
    from sellers.models import SellerMetric

    prefix = bench_slots.PREFIX
    RoutingDecision.objects.filter(chosen__slug__startswith=prefix).delete()
    SellerMetric.objects.filter(seller__slug__startswith=prefix).delete()
    RoutingState.objects.filter(pool_key__startswith="page:").delete()
    bench_slots.clean()


def later_query(query: dict[str, str]) -> dict[str, str]:
    """The slots query of the four weeks after `query`'s (no seeded bookings or busy time)."""
    after = dt.date.fromisoformat(query["end"]) + dt.timedelta(days=1)
    return query | {"start": after.isoformat(), "end": (after + dt.timedelta(days=27)).isoformat()}


def booking_requests(
    port: int, slots_path: str, bookings_path: str, count: int, tag: str
) -> list[http_load.Request]:
    """One POST per distinct offered start: the first `count` starts `slots_path` offers."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{slots_path}", timeout=30) as answer:
        days = json.load(answer)["days"]
    starts = [start for day in days for start in day["slots"]][:count]
    assert len(starts) == count, f"{slots_path} offers {len(starts)} starts, not {count}"
    return [
        http_load.Request(
            "POST",
            bookings_path,
            json.dumps(
                {
                    "start": start,
                    "timezone": bench_slots.ZONE,
                    "name": f"Load {tag}{n}",
                    "email": f"load{tag}{n}@example.com",
                }
            ).encode(),
        )
        for n, start in enumerate(starts)
    ]


def etag_of(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
        return str(answer.headers["ETag"])


async def scenarios(port: int, paths: tuple[str, str, str, str], args: argparse.Namespace) -> None:
    slots_path, later_slots_path, bookings_path, trivial = paths
    limits = {"connections": CONNECTIONS, "total": args.requests, "seconds": args.seconds}
    warm_up = {"connections": CONNECTIONS, "total": 6 * CONNECTIONS, "seconds": args.seconds}
    revisit = http_load.Request(
        "GET", slots_path, None, (f"If-None-Match: {etag_of(port, slots_path)}",)
    )
    gets = (
        (f"trivial {trivial}", http_load.Request("GET", trivial)),
        (f"warm slots, {SELLERS} sellers, 31 days", http_load.Request("GET", slots_path)),
        ("warm slots, If-None-Match → 304", revisit),
    )
    print(http_load.HEADER, flush=True)
    for _ in range(0 if args.bookings_only else args.repeat):
        rates = []
        for name, request in gets:
            await http_load.run("warm-up", port, http_load.always(request), **warm_up)
            result = await http_load.run(name, port, http_load.always(request), **limits)
            print(result.line(), flush=True)
            rates.append(result.rate)
        trivial_rate, *warm_rates = rates
        shares = " / ".join(f"{rate / (trivial_rate or 1):.2f}" for rate in warm_rates)
        print(
            f"  warm slots (200 / 304) ÷ trivial: {shares} "
            f"(targets: ≥ {WARM_SHARE:g} and ≥ {WARM_RATE:g} req/s)",
            flush=True,
        )
    requests = booking_requests(port, slots_path, bookings_path, SINGLE + BOOKINGS, "")
    warm = booking_requests(port, later_slots_path, bookings_path, WARM, "warm")
    single, bookings = requests[:SINGLE], requests[SINGLE:]
    result = await http_load.run(
        "one booking at a time",
        port,
        lambda n: single[n] if n < len(single) else None,
        connections=1,
        total=len(single),
        seconds=max(args.seconds, 60),
    )
    print(result.line(), flush=True)
    await http_load.run(
        "warm-up",
        port,
        lambda n: warm[n] if n < len(warm) else None,
        connections=CONNECTIONS,
        total=len(warm),
        seconds=max(args.seconds, 60),
    )
    result = await http_load.run(
        f"bookings, {len(bookings)} distinct slots",
        port,
        lambda n: bookings[n] if n < len(bookings) else None,
        connections=CONNECTIONS,
        total=len(bookings),
        seconds=max(args.seconds, 60),
    )
    print(result.line(), flush=True)


def shares() -> str:
    """How many routed bookings each seller of the page got (the round robin's fairness;
    the seeded busy bookings have no routing decision)."""
    from collections import Counter

    from routing.models import RoutingDecision
    from sellers.models import Seller

    ids = Seller.objects.filter(slug__startswith=bench_slots.PREFIX).values_list("pk", flat=True)
    got = Counter(
        RoutingDecision.objects.filter(chosen_id__in=list(ids)).values_list("chosen_id", flat=True)
    )
    counts = [got.get(pk, 0) for pk in ids]
    spread = dict(sorted(Counter(counts).items()))
    return (
        f"{sum(counts)} routed bookings per seller: min {min(counts)}, max {max(counts)}; "
        f"sellers per count {spread}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="time limit per scenario")
    parser.add_argument("--requests", type=int, default=4000, help="request limit per run")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each GET scenario")
    parser.add_argument("--bookings-only", action="store_true", help="skip the GET scenarios")
    args = parser.parse_args()
    django_env.setup_django()
    from django.core.management import call_command

    # Production settings serve hashed static files: the docs page needs the manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    clean()
    slots_path, bookings_path, query = seed()
    later_slots_path = slots_path + "?" + urllib.parse.urlencode(later_query(query))
    slots_path += "?" + urllib.parse.urlencode(query)
    port = free_port()
    server = start_gunicorn(port)
    try:
        wait_until_up(port, server)
        print(
            f"gunicorn 3 workers × 4 threads (gthread) on 127.0.0.1:{port}, "
            f"{CONNECTIONS} connections, ≤ {args.requests} requests or "
            f"{args.seconds:g} s per run",
            flush=True,
        )
        paths = (slots_path, later_slots_path, bookings_path, trivial_path(port))
        asyncio.run(scenarios(port, paths, args))
        print(shares(), flush=True)
    finally:
        stop(server)
        clean()
    return 0


if __name__ == "__main__":
    sys.exit(main())
