"""Benchmark of the waitlist's event-driven offer: a booking cancelled → the first waiting
entry's offer text handed to the SMS provider.

Target (docs/benchmarks.md): p99 <= 1 s from the cancel request to the provider call. Each
round books a slot (through the booking service), puts 3 people on its waitlist, then
cancels through the public manage API (Django's test Client: URL, middleware, the cancel
service, the waitlist listener in its transaction: queue read, hold placed under the
seller lock and the exclusion constraint, offer token, then the commit and the text).
Celery runs eagerly (no broker), as one worker would: the clock stops when the sender is
called. The sender is the in-memory one (the Twilio adapter's HTTP call is not measured).

Run: .venv/bin/python bench/bench_waitlist.py [--count 200]
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meetroute_bench_waitlist_offers,
created and migrated when missing) and REDIS_URL (default redis://127.0.0.1:6379/12).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from dataclasses import dataclass, field

import django_env

django_env.configure(
    database_url="postgres://postgres@127.0.0.1:5432/meetroute_bench_waitlist_offers",
    redis_url="redis://127.0.0.1:6379/12",
    CELERY_BROKER_URL="",  # eager: the text is sent right after the commit
    TWILIO_ACCOUNT_SID="",
    LOG_LEVEL="ERROR",
)

PREFIX = "benchwl-"
ZONE = "America/Lima"
WAITING = 3


@dataclass
class TimingSms:
    """The in-memory sender, noting when each text reached it."""

    name: str = "timing"
    at: list[float] = field(default_factory=list)

    def send(self, to: str, body: str, *, status_callback: str = ""):
        from integrations.sms.base import SentSms

        self.at.append(time.perf_counter())
        return SentSms(sid=f"SMbench{len(self.at):08d}", to=to, body=body)


def clean() -> None:
    from bookings.models import Booking
    from scheduling.models import SchedulingPage
    from sellers.models import Seller, SellerMetric

    Booking.objects.filter(seller__slug__startswith=PREFIX).delete()
    SellerMetric.objects.filter(seller__slug__startswith=PREFIX).delete()
    SchedulingPage.objects.filter(slug__startswith=PREFIX).delete()
    Seller.objects.filter(slug__startswith=PREFIX).delete()


def build():
    """A personal page whose seller works 08:00–20:00 every day, 30-min meetings."""
    from scheduling.models import AvailabilityRule, MeetingType, SchedulingPage
    from sellers.models import Seller

    seller = Seller.objects.create(
        name="Bench", email=f"{PREFIX}seller@example.com", slug=f"{PREFIX}seller", timezone=ZONE
    )
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(seller=seller, weekday=d, start=dt.time(8), end=dt.time(20))
        for d in range(7)
    )
    page = SchedulingPage.objects.create(
        slug=f"{PREFIX}page", name="Bench", timezone=ZONE, seller=seller
    )
    return MeetingType.objects.select_related("page", "page__seller").get(
        pk=MeetingType.objects.create(
            page=page,
            slug="demo",
            name="Demo",
            duration=30,
            slot_interval=30,
            location_type="phone",
            min_notice=60,
            max_days_ahead=60,
            max_bookings_per_email=100000,
        ).pk
    )


def starts(count: int) -> list[dt.datetime]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ZONE)
    first = dt.datetime.now(tz).date() + dt.timedelta(days=2)
    out = []
    for n in range(count):
        day, half_hour = divmod(n, 20)
        base = dt.datetime.combine(first + dt.timedelta(days=day), dt.time(8), tzinfo=tz)
        out.append(base + dt.timedelta(minutes=30 * half_hour))
    return out


def prepare(meeting_type, start: dt.datetime, n: int) -> str:
    """Book ``start`` and queue ``WAITING`` people for it; the booking's manage token."""
    from bookings.services import create_booking
    from waitlist.services.join import join_waitlist

    result = create_booking(
        meeting_type=meeting_type, start=start, timezone=ZONE, name="Taken", email=f"t{n}@ex.com"
    )
    for k in range(WAITING):
        join_waitlist(
            meeting_type=meeting_type,
            start=start,
            timezone_name=ZONE,
            first_name=f"W{k}",
            phone=f"+5191234{n % 1000:03d}{k}",
            alternatives=[],
        )
    return result.manage_token


def run(count: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client

    from bookings.outbox import sms
    from waitlist.models import WaitlistEntry

    clean()
    meeting_type = build()
    sender = TimingSms()
    sms._fake_sender = sender  # the default sender when Twilio is not configured
    client = Client()
    delays, queries = [], []
    for n, start in enumerate(starts(count)):
        token = prepare(meeting_type, start, n)
        texts = len(sender.at)
        connection.force_debug_cursor = True
        reset_queries()
        began = time.perf_counter()
        response = client.post(f"/api/v1/public/bookings/{token}/cancel/", {}, "application/json")
        connection.force_debug_cursor = False
        queries.append(len(connection.queries))
        assert response.status_code == 200, (response.status_code, response.content)
        assert len(sender.at) == texts + 1, "no offer text"
        delays.append(sender.at[-1] - began)
    offered = WaitlistEntry.objects.filter(
        slot__meeting_type=meeting_type, status=WaitlistEntry.Status.NOTIFIED
    ).count()
    delays.sort()
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(
        f"cancel -> offer text at the provider x{count} ({WAITING} waiting each): "
        f"p50 {statistics.median(delays) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {delays[-1] * 1000:.1f} ms; queries per cancel (incl. the offer) median "
        f"{statistics.median(queries)}; entries offered {offered}/{count}"
    )
    clean()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    django_env.setup_django()
    run(args.count)


if __name__ == "__main__":
    main()
