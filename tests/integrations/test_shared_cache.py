"""The guarded Redis (integrations.shared_cache): after one failure, every caller of the
process skips Redis for REDIS_DOWN_SECONDS without a connection attempt; one warning per
outage. Against a local server that accepts and never answers, counting connections."""

import datetime as dt
import logging

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from bookings import locks
from config.throttling import PublicThrottle
from integrations import shared_cache
from integrations.circuit import CircuitBreaker
from scheduling import cache as slot_cache
from tests.integrations.stalled_redis import StalledRedis

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _up_again(monkeypatch):
    """Each test starts, and leaves the process, with Redis not marked down."""
    monkeypatch.setattr(shared_cache, "_down_until", 0.0)
    monkeypatch.setattr(shared_cache, "_down", False)


@pytest.fixture
def stalled(settings):
    with StalledRedis() as server:
        settings.CACHES = server.caches()
        settings.REDIS_DOWN_SECONDS = 60  # no second try within a test
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"public": "5/min"},
        }
        yield server


def every_redis_caller() -> None:
    """One call of each guarded caller on the public paths."""
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    assert PublicThrottle().allow_request(request, None) is True  # cannot count: lets it in
    assert slot_cache.versions(["s1"]) is None
    assert slot_cache.get("slots:r:x") is None
    slot_cache.put("slots:r:x", 1)
    slot_cache.bump_sellers(["s1"])
    assert slot_cache.request_answer("slots:q:x") is None  # the warm path
    slot_cache.put_request_answer("slots:q:x", {"s1": 1}, b"{}")
    lock = locks.Lock(key=locks.lock_key("s1", START), owner="a")
    assert locks.try_acquire(lock) is True
    assert lock.backend == "db"  # the SlotLock table took Redis's place
    locks.release(lock)
    breaker = CircuitBreaker("calendar")
    assert breaker.allow() is True  # fails open
    breaker.record_failure()
    assert breaker.state() == "closed"


def test_after_one_failure_no_caller_connects_again(stalled):
    with pytest.raises(shared_cache.Unavailable), shared_cache.guard("first"):
        cache.get("anything")
    assert stalled.connections() == 1

    for _ in range(3):
        every_redis_caller()

    assert stalled.connections() == 1
    assert shared_cache.is_down()


def test_each_caller_alone_marks_redis_down_for_the_others(stalled):
    every_redis_caller()  # the throttle, first, pays the one timeout

    assert stalled.connections() == 1


def test_one_warning_per_outage(stalled, caplog):
    for _ in range(3):
        every_redis_caller()

    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("Redis unreachable (public throttle: ")
    assert warnings[0].endswith("; skipping it for 60 s at a time until it answers")


def test_a_success_after_the_back_off_ends_the_outage(caplog):
    caplog.set_level(logging.INFO, logger="integrations.shared_cache")
    with pytest.raises(shared_cache.Unavailable), shared_cache.guard("first"):
        raise ConnectionResetError("reset by peer")
    assert shared_cache.is_down()
    with pytest.raises(shared_cache.Unavailable), shared_cache.guard("skipped"):
        raise AssertionError("not run while Redis is marked down")

    shared_cache._down_until = 0.0  # the back-off is over
    with shared_cache.guard("after"):
        assert cache.get("shared-cache-probe") is None  # the real Redis of this machine

    assert not shared_cache.is_down()
    assert [r.getMessage() for r in caplog.records] == [
        "Redis unreachable (first: reset by peer); skipping it for 5 s at a time until it answers",
        "Redis answers again",
    ]


def test_other_errors_pass_through_and_do_not_mark_redis_down():
    with pytest.raises(ValueError), shared_cache.guard("caller"):
        raise ValueError("a bug, not an outage")
    assert not shared_cache.is_down()


def test_another_cache_setting_forgets_the_mark(settings):
    with pytest.raises(shared_cache.Unavailable), shared_cache.guard("first"):
        raise ConnectionResetError("reset by peer")

    settings.CACHES = {**settings.CACHES}

    assert not shared_cache.is_down()
