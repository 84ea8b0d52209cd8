"""Benchmark of the reminder sweep: --count due reminders swept by --workers processes.

Target (docs/benchmarks.md, issue 10): 10,000 due reminders — every one sent exactly once,
none more than 60 s late, at most one query per reminder on the hot path. Each reminder is
rendered for real (email: HTML + text + the .ics again; SMS: the one-segment text with
its short link) and handed to in-memory senders (integrations' FakeEmailSender behind
the FallbackSender, FakeSms), so the figures are ours, not a provider's. One in five is a
text. The rows become due together at the start, as after a beat tick; each worker process
runs ``bookings.reminders.sweep.sweep`` as the beat task does, racing the others through
``SELECT … FOR UPDATE SKIP LOCKED``.

Figures: elapsed, throughput, lateness (sent_at − due_at: p50 / max), messages sent vs
rows (duplicates), database statements per reminder (counted with an execute wrapper).

Run: .venv/bin/python bench/bench_reminders.py [--count 10000] [--workers 2]
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meetroute_bench_reminders,
created and migrated when missing) and REDIS_URL (default redis://127.0.0.1:6379/12).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import statistics
import sys
import time

import django_env

django_env.configure(
    database_url="postgres://postgres@127.0.0.1:5432/meetroute_bench_reminders",
    redis_url="redis://127.0.0.1:6379/12",
    CELERY_BROKER_URL="memory://",
    LOG_LEVEL="ERROR",
)

PREFIX = "benchrm-"


def clean() -> None:
    from bookings.models import Booking
    from scheduling.models import SchedulingPage
    from sellers.models import Seller

    Booking.objects.filter(seller__slug__startswith=PREFIX).delete()
    SchedulingPage.objects.filter(slug__startswith=PREFIX).delete()
    Seller.objects.filter(slug__startswith=PREFIX).delete()


def build(count: int) -> None:
    """``count`` reminders on count/2 bookings (email + email, or email + SMS), all due now."""
    from django.utils import timezone

    from bookings.models import Booking, ManageLink, Reminder
    from bookings.reminders.links import short_code
    from bookings.tokens import hash_token, new_token
    from scheduling.models import MeetingType, SchedulingPage
    from sellers.models import Seller

    seller = Seller.objects.create(
        name="Bench Seller", email="bench@example.com", slug=f"{PREFIX}s", timezone="Europe/Madrid"
    )
    page = SchedulingPage.objects.create(
        slug=f"{PREFIX}p", name="Bench Co", timezone="Europe/Madrid", seller=seller
    )
    meeting_type = MeetingType.objects.create(
        page=page, slug="demo", name="Demo", duration=30, location_type="zoom"
    )
    now = timezone.now()
    start = now + dt.timedelta(days=1)
    bookings = []
    for i in range(count // 2):
        begin = start + dt.timedelta(minutes=30 * i)
        bookings.append(
            Booking(
                meeting_type=meeting_type,
                seller=seller,
                start=begin,
                end=begin + dt.timedelta(minutes=30),
                blocked_start=begin,
                blocked_end=begin + dt.timedelta(minutes=30),
                timezone="America/New_York",
                name=f"Prospect {i}",
                email=f"p{i}@example.com",
                phone="+34612345678" if i % 5 < 2 else "",
                location_type="zoom",
                meeting_url=f"https://zoom.example/j/{i}",
                manage_token_hash=hash_token(new_token()),
                manage_token_expires_at=begin + dt.timedelta(days=7),
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=1000)
    ManageLink.objects.bulk_create(
        [
            ManageLink(
                booking=b,
                url=f"https://book.example/schedule/manage/{new_token()}/",
                code_hash=hash_token(short_code(b.pk)),
            )
            for b in bookings
        ],
        batch_size=1000,
    )
    rows = []
    for booking in bookings:
        second = Reminder.Channel.SMS if booking.phone else Reminder.Channel.EMAIL
        for channel, offset in ((Reminder.Channel.EMAIL, 1440), (second, 60)):
            rows.append(
                Reminder(booking=booking, channel=channel, offset_minutes=offset, due_at=now)
            )
    Reminder.objects.bulk_create(rows, batch_size=2000)


def _worker(out) -> None:
    from django.db import connection

    from bookings.reminders import sweep
    from integrations.email.fake import FakeEmailSender
    from integrations.email.fallback import FallbackSender
    from integrations.sms.fake import FakeSms

    connection.close()  # never share the parent's socket
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    email, sms = FakeEmailSender(), FakeSms()
    with connection.execute_wrapper(count):
        totals = sweep.sweep(senders=sweep.Senders(FallbackSender(email), sms), budget_seconds=600)
    sent = [int(e.headers["X-Meetroute-Reminder"]) for e in email.sent]
    # FakeSms numbers its sids per process: the pid makes them distinct across workers.
    out.put((dict(totals), sent, [f"{os.getpid()}:{m.sid}" for m in sms.sent], statements))
    connection.close()


def run(count: int, workers: int) -> None:
    from django.db import connection
    from django.db.models import F

    from bookings.models import Reminder

    connection.close()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    began = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(out,)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - began

    emails = [i for _, sent, _, _ in results for i in sent]
    texts = [sid for _, _, sids, _ in results for sid in sids]
    statements = sum(s for *_, s in results)
    rows = Reminder.objects.filter(booking__seller__slug__startswith=PREFIX)
    late = sorted(
        r.total_seconds()
        for r in rows.annotate(late=F("sent_at") - F("due_at")).values_list("late", flat=True)
        if r is not None
    )
    print(
        f"{count} due reminders, {workers} worker process(es): elapsed {elapsed:.1f} s, "
        f"{count / elapsed:.0f} reminders/s"
    )
    print(
        f"  sent {rows.filter(status='sent').count()} rows; messages: {len(emails)} emails "
        f"({len(set(emails))} distinct), {len(texts)} texts ({len(set(texts))} distinct)"
    )
    print(
        f"  lateness p50 {statistics.median(late):.1f} s, max {late[-1]:.1f} s; "
        f"statements {statements} = {statements / count:.3f} per reminder"
    )
    print(f"  per worker: {[totals for totals, *_ in results]}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    django_env.setup_django()
    clean()
    now = dt.datetime.now(dt.UTC)
    print(f"PostgreSQL + Redis, {os.cpu_count()} cores, {now:%Y-%m-%d %H:%M} UTC")
    try:
        build(args.count)
        run(args.count, args.workers)
    finally:
        clean()
    return 0


if __name__ == "__main__":
    sys.exit(main())
