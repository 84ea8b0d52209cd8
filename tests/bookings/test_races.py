"""Races on the real PostgreSQL: real threads, one connection each, all released at once.

The database decides (exclusion constraint + row locks); Redis is only the first filter,
so the answers must be the same with Redis unreachable.
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from bookings.models import Booking
from tests.bookings.conftest import body, personal_page, slot, team_page
from tests.integrations.stalled_redis import StalledRedis

# One xdist worker runs every race (with --dist loadgroup): two races at once would need
# more connections than PostgreSQL's 100.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("races")]

# Racers per test: enough to collide hard, few enough that the other xdist worker keeps
# connections too (PostgreSQL allows 100; the 100-racer race is in `make bench`).
N = 30
NO_THROTTLE = {"DEFAULT_THROTTLE_RATES": {"public": None}}
DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **NO_THROTTLE}


def race(url: str, payloads: list[dict]) -> Counter:
    """POST every payload from its own thread, all released by one barrier."""
    barrier = threading.Barrier(len(payloads))
    statuses: list[int | str] = []
    lock = threading.Lock()

    def run(payload: dict) -> None:
        try:
            client = APIClient()
            barrier.wait()
            response = client.post(url, payload, format="json")
            with lock:
                statuses.append(response.status_code)
        except Exception as exc:  # shown in the Counter (e.g. the server ran out of slots)
            with lock:
                statuses.append(f"{type(exc).__name__}: {str(exc)[:80]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def url_of(meeting_type) -> str:
    return f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"


def overlapping_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.seller_id = b.seller_id AND a.id < b.id
             AND a.status = 'confirmed' AND b.status = 'confirmed'
             AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
            """
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("routing", ["round_robin", "lowest_load", "weighted", "by_country"])
def test_race_team_of_three_one_slot_exactly_three_win(routing):
    meeting_type, sellers = team_page(routing=routing)
    start = slot(hour=10)
    statuses = race(url_of(meeting_type), [body(start, n) for n in range(N)])
    assert statuses == Counter({201: 3, 409: N - 3})
    confirmed = Booking.objects.filter(status="confirmed")
    assert sorted(confirmed.values_list("seller_id", flat=True)) == [s.pk for s in sellers]
    assert overlapping_pairs() == 0


def test_race_personal_page_exactly_one_wins():
    meeting_type, _ = personal_page()
    statuses = race(url_of(meeting_type), [body(slot(), n) for n in range(N)])
    assert statuses == Counter({201: 1, 409: N - 1})
    assert Booking.objects.count() == 1
    assert overlapping_pairs() == 0


@override_settings(CACHES=DEAD_REDIS)
def test_race_team_with_redis_unreachable_same_result():
    meeting_type, sellers = team_page()
    statuses = race(url_of(meeting_type), [body(slot(), n) for n in range(N)])
    assert statuses == Counter({201: 3, 409: N - 3})
    confirmed = Booking.objects.filter(status="confirmed")
    assert sorted(confirmed.values_list("seller_id", flat=True)) == [s.pk for s in sellers]
    assert overlapping_pairs() == 0


@override_settings(CACHES=DEAD_REDIS)
def test_race_personal_page_with_redis_unreachable_exactly_one_wins():
    meeting_type, _ = personal_page()
    statuses = race(url_of(meeting_type), [body(slot(), n) for n in range(N)])
    assert statuses == Counter({201: 1, 409: N - 1})
    assert overlapping_pairs() == 0


def test_race_team_with_redis_hanging_same_result_and_redis_asked_once_per_racer(settings, caplog):
    """The slow kind of unreachable: Redis accepts and never answers. Racers caught in the
    first wave each wait out one socket timeout; that failure marks Redis down for the
    process, so no racer asks it twice, and the outage is logged once."""
    meeting_type, sellers = team_page()
    with StalledRedis() as server:
        settings.CACHES = server.caches()
        settings.REDIS_DOWN_SECONDS = 60  # no second try during the race
        statuses = race(url_of(meeting_type), [body(slot(), n) for n in range(N)])
        connections = server.connections()

    assert statuses == Counter({201: 3, 409: N - 3})
    confirmed = Booking.objects.filter(status="confirmed")
    assert sorted(confirmed.values_list("seller_id", flat=True)) == [s.pk for s in sellers]
    assert overlapping_pairs() == 0
    assert 1 <= connections <= N
    outages = [r for r in caplog.records if r.getMessage().startswith("Redis unreachable")]
    assert len(outages) == 1


def test_race_daily_limit_is_never_exceeded():
    meeting_type, _ = personal_page(daily_limit=2)
    starts = [slot(hour=9) + dt.timedelta(minutes=30 * i) for i in range(20)]  # 09:00 … 18:30
    statuses = race(url_of(meeting_type), [body(s, n) for n, s in enumerate(starts)])
    assert statuses == Counter({201: 2, 409: 18})
    assert Booking.objects.filter(status="confirmed").count() == 2


def test_race_same_idempotency_key_creates_one_booking():
    meeting_type, _ = team_page()
    payload = body(slot(), 1)
    barrier = threading.Barrier(10)
    answers = []

    def run() -> None:
        try:
            client = APIClient()
            barrier.wait()
            response = client.post(
                url_of(meeting_type), payload, format="json", headers={"Idempotency-Key": "k-1"}
            )
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Booking.objects.count() == 1
    booking_id = str(Booking.objects.get().pk)
    assert answers == [(201, booking_id)] * 10


def posts_at_once(requests: list[tuple[str, dict]]) -> Counter:
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def run(url: str, payload: dict) -> None:
        try:
            client = APIClient()
            barrier.wait()
            statuses.append(client.post(url, payload, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=r) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def test_race_two_reschedules_into_one_slot_exactly_one_wins():
    meeting_type, _ = personal_page()
    tokens = []
    for n, hour in enumerate((9, 10, 11, 12)):
        response = APIClient().post(url_of(meeting_type), body(slot(hour=hour), n), format="json")
        tokens.append(response.json()["manage_token"])
    target = {"start": slot(hour=15).isoformat()}
    statuses = posts_at_once([(f"/api/v1/public/bookings/{t}/reschedule/", target) for t in tokens])
    assert statuses == Counter({200: 1, 409: 3})
    assert Booking.objects.filter(start=slot(hour=15)).count() == 1
    assert overlapping_pairs() == 0


def test_race_repeated_cancel_cancels_once():
    meeting_type, _ = personal_page()
    token = APIClient().post(url_of(meeting_type), body(slot()), format="json").json()
    url = f"/api/v1/public/bookings/{token['manage_token']}/cancel/"
    statuses = posts_at_once([(url, {"reason": f"r{n}"}) for n in range(10)])
    assert statuses == Counter({200: 10})
    booking = Booking.objects.get()
    assert booking.sequence == 1
    assert booking.events.filter(kind="cancelled").count() == 1


def test_race_without_any_lock_the_database_alone_decides(monkeypatch):
    """Layer one switched off (every lock "granted"): row locks and the exclusion
    constraint still let exactly one booking per seller through."""
    from bookings import locks

    def grant(lock, ttl_ms=locks.LOCK_TTL_MS):
        lock.backend = "none"
        return True

    monkeypatch.setattr(locks, "try_acquire", grant)
    meeting_type, sellers = team_page(routing="lowest_load")
    statuses = race(url_of(meeting_type), [body(slot(), n) for n in range(N)])
    assert statuses == Counter({201: 3, 409: N - 3})
    confirmed = Booking.objects.filter(status="confirmed")
    assert sorted(confirmed.values_list("seller_id", flat=True)) == [s.pk for s in sellers]
    assert overlapping_pairs() == 0


def test_race_frequency_limit_is_never_exceeded_by_one_email():
    meeting_type, _ = team_page(routing="lowest_load", max_bookings_per_email=2)  # no RR lock
    starts = [slot(hour=9) + dt.timedelta(minutes=30 * i) for i in range(8)]
    same_email = [body(s, 0) for s in starts]
    statuses = race(url_of(meeting_type), same_email)
    assert statuses == Counter({201: 2, 429: 6})
    assert Booking.objects.filter(email="prospect0@example.com").count() == 2


def test_race_round_robin_distinct_slots_gives_everyone_their_turn():
    """Concurrent bookings of different times take successive turns of the cursor (compare
    and set), so a team of 3 gets 12 bookings as 4 each, as one at a time would."""
    meeting_type, sellers = team_page(routing="round_robin")
    starts = [slot(hour=9) + dt.timedelta(minutes=30 * i) for i in range(12)]
    statuses = race(url_of(meeting_type), [body(s, n) for n, s in enumerate(starts)])
    assert statuses == Counter({201: 12})
    shares = Counter(Booking.objects.values_list("seller_id", flat=True))
    assert shares == Counter({s.pk: 4 for s in sellers})
    assert overlapping_pairs() == 0
