"""Benchmark of one waitlist check tick (waitlist.services.monitoring.run_tick).

Target (docs/targets.md): 1,000 monitored slots over 100 calendars checked in ≤ 5 s with
≤ 3 free/busy calls (≤ 50 calendars per call). The calendars belong to one Google account
(a business group that shares its reservations account); the real google-api-python-client
talks to the fake Google of the test suite on a local socket, so the figure includes HTTP,
JSON and the client library, not Google's own latency. 900 slots are still taken on their
calendar, 100 were freed (each handed to the offer flow in its own transaction).

Also measured: an idle tick (no active slot) — queries and time.

Run: .venv/bin/python bench/bench_waitlist_tick.py [--slots 1000] [--calendars 100] [--runs 5]
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meetroute_bench_waitlist_tick,
created and migrated when missing) and REDIS_URL (default redis://127.0.0.1:6379/13).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django_env

from tests.integrations.fake_google import FakeGoogle

PREFIX = "benchwl-"


def build(google: FakeGoogle, *, slots: int, calendars: int) -> None:
    from django.utils import timezone

    from scheduling.models import SchedulingPage
    from sellers.models import CalendarConnection, Seller
    from waitlist.models import WaitlistCalendarConfig, WaitlistEntry, WaitlistSlot

    Seller.objects.filter(slug__startswith=PREFIX).delete()  # cascades to everything below
    WaitlistCalendarConfig.objects.filter(business_name__startswith=PREFIX).delete()
    seller = Seller.objects.create(
        name="Bench", email="bench@example.com", slug=f"{PREFIX}seller", timezone="UTC"
    )
    page = SchedulingPage.objects.create(slug=f"{PREFIX}page", name="Bench", seller=seller)
    access, refresh = google.grant(lifetime=24 * 3600)
    connection = CalendarConnection.objects.create(
        seller=seller,
        provider="google",
        account_email=google.account_email,
        access_token=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    ids = [f"{PREFIX}{n:03d}@group.calendar.google.com" for n in range(calendars)]
    google.calendar_names.update({cid: cid for cid in ids})
    configs = WaitlistCalendarConfig.objects.bulk_create(
        WaitlistCalendarConfig(
            business_name=f"{PREFIX}{n}",
            page=page,
            provider="google_calendar",
            connection=connection,
            calendar_id=cid,
        )
        for n, cid in enumerate(ids)
    )
    base = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    rows = []
    for n in range(slots):
        start = base + dt.timedelta(hours=n // calendars * 5 + n % 7)
        rows.append(
            WaitlistSlot(
                config=configs[n % calendars], start=start, end=start + dt.timedelta(minutes=30)
            )
        )
    made = WaitlistSlot.objects.bulk_create(rows)
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(slot=s, first_name="Bench", phone="+51987654321", requested_slot=s.start)
        for s in made
    )
    for n, slot in enumerate(made):
        if n % 10:  # 9 in 10 still taken on the external calendar
            google.put_event(configs[n % calendars].calendar_id, slot.start, slot.end)


def reset() -> None:
    from waitlist.models import WaitlistSlot

    WaitlistSlot.objects.filter(config__business_name__startswith=PREFIX).update(
        status="pending", next_check_at=None, last_result=""
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slots", type=int, default=1000)
    parser.add_argument("--calendars", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with FakeGoogle() as google:
        django_env.configure(
            database_url="postgres://postgres@127.0.0.1:5432/meetroute_bench_waitlist_tick",
            redis_url="redis://127.0.0.1:6379/13",
            GOOGLE_CLIENT_ID=google.client_id,
            GOOGLE_CLIENT_SECRET=google.client_secret,
            GOOGLE_API_ENDPOINT=google.api_endpoint,
            GOOGLE_TOKEN_URI=google.token_uri,
            EMAIL_URL="dummymail://localhost",  # DEBUG is off: no console email allowed
            LOG_LEVEL="ERROR",
        )
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
        django_env.setup_django()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from waitlist.models import WaitlistSlot
        from waitlist.services import monitoring

        build(google, slots=args.slots, calendars=args.calendars)
        times, calls, reports = [], [], []
        for _ in range(args.runs):
            reset()
            before = len(google.calls("POST", "/freeBusy"))
            started = time.perf_counter()
            report = monitoring.run_tick()
            times.append(time.perf_counter() - started)
            calls.append(len(google.calls("POST", "/freeBusy")) - before)
            reports.append(report)
        sizes = [len(c.json()["items"]) for c in google.calls("POST", "/freeBusy")[-calls[-1] :]]
        print(f"tick of {args.slots} slots over {args.calendars} calendars, {args.runs} runs:")
        print(f"  time  p50 {statistics.median(times):.2f} s  max {max(times):.2f} s  (≤ 5 s)")
        print(f"  free/busy calls per tick {calls[-1]} (≤ 3), calendars per call {sizes}")
        print(f"  last report {reports[-1].as_dict()}")

        WaitlistSlot.objects.filter(config__business_name__startswith=PREFIX).update(
            status="filled"
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            idle = monitoring.run_tick()
            elapsed = time.perf_counter() - started
        print(
            f"idle tick: {len(queries.captured_queries)} query, {elapsed * 1000:.1f} ms, "
            f"calls {idle.calls}"
        )
        ok = max(times) <= 5 and max(calls) <= 3 and len(queries.captured_queries) == 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
