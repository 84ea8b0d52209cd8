"""The seller:start lock (Redis, then the SlotLock table) and the public throttle."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from bookings import locks
from bookings.models import SlotLock
from tests.bookings.test_races import DEAD_REDIS

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)


def test_redis_lock_is_exclusive_and_released_by_owner_only():
    first = locks.Lock(key=locks.lock_key("s1", START), owner="a")
    second = locks.Lock(key=first.key, owner="b")
    assert locks.try_acquire(first) is True
    assert first.backend == "redis"
    assert locks.try_acquire(second) is False
    thief = locks.Lock(key=first.key, owner="b", backend="redis")
    locks.release(thief)  # not the owner: must not free it
    assert locks.try_acquire(second) is False
    locks.release(first)
    assert locks.try_acquire(second) is True
    locks.release(second)


def test_redis_lock_expires_by_itself():
    first = locks.Lock(key=locks.lock_key("s2", START), owner="a")
    assert locks.try_acquire(first, ttl_ms=50)
    second = locks.Lock(key=first.key, owner="b")
    assert locks.acquire(second, wait_s=1.0) is True
    locks.release(second)


@override_settings(CACHES=DEAD_REDIS)
def test_lock_falls_back_to_the_table_when_redis_is_down():
    first = locks.Lock(key=locks.lock_key("s3", START), owner="a")
    assert locks.try_acquire(first) is True
    assert first.backend == "db"
    assert SlotLock.objects.get().owner == "a"
    assert locks.try_acquire(locks.Lock(key=first.key, owner="b")) is False
    locks.release(locks.Lock(key=first.key, owner="b", backend="db"))
    assert SlotLock.objects.count() == 1
    locks.release(first)
    assert SlotLock.objects.count() == 0


@override_settings(CACHES=DEAD_REDIS)
def test_table_lock_left_by_a_dead_owner_is_reclaimed_after_expiry():
    key = locks.lock_key("s4", START)
    SlotLock.objects.create(key=key, owner="dead", expires_at=timezone.now() - dt.timedelta(1))
    lock = locks.Lock(key=key, owner="b")
    assert locks.try_acquire(lock) is True
    assert SlotLock.objects.get().owner == "b"


def rate(value):
    return {"DEFAULT_THROTTLE_RATES": {"public": value}}


def test_public_throttle_limits_per_ip_with_retry_after(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **rate("3/min")}
    url = "/api/v1/public/bookings/" + "x" * 43 + "/"
    answers = [api_client.get(url, REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]
    response = api_client.get(url, REMOTE_ADDR="10.0.0.1")
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert api_client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 404


def test_public_throttle_off_when_rate_is_none(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **rate(None)}
    url = "/api/v1/public/bookings/" + "x" * 43 + "/"
    assert {api_client.get(url).status_code for _ in range(5)} == {404}


def test_public_throttle_lets_requests_through_when_redis_is_down(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **rate("1/min")}
    url = "/api/v1/public/bookings/" + "x" * 43 + "/"
    with override_settings(CACHES=DEAD_REDIS):
        assert {api_client.get(url).status_code for _ in range(3)} == {404}


def test_public_throttle_is_one_class_for_every_public_endpoint():
    from bookings.api.public import BookingCreateApi
    from config.throttling import PublicThrottle
    from scheduling.api.public import PublicSlotsApi

    assert BookingCreateApi.throttle_classes[0] is PublicThrottle
    assert PublicSlotsApi.throttle_classes == [PublicThrottle]


def test_public_throttle_ignores_forwarded_for_without_num_proxies(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **rate("2/min")}
    url = "/api/v1/public/bookings/" + "y" * 43 + "/"
    answers = [
        api_client.get(url, REMOTE_ADDR="10.0.1.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}").status_code
        for n in range(3)
    ]
    assert answers == [404, 404, 429]
