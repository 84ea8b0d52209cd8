"""The circuit breaker against the real Redis of this machine (REDIS_URL)."""

import threading
import time

import pytest
from django.conf import settings as django_settings

from integrations.circuit import CircuitBreaker


@pytest.fixture
def breaker(settings):
    assert django_settings.CACHES["default"]["BACKEND"].startswith("django_redis"), (
        "these tests need Redis (REDIS_URL)"
    )
    settings.CIRCUIT_FAILURE_THRESHOLD = 3
    settings.CIRCUIT_COOLDOWN_SECONDS = 0.3
    settings.CIRCUIT_TRIAL_SECONDS = 5
    name = f"test-{time.monotonic_ns()}"
    first = CircuitBreaker(name)
    yield first
    first.reset()


def test_circuit_stays_closed_below_the_threshold(breaker):
    breaker.record_failure()
    breaker.record_failure()

    assert (breaker.state(), breaker.allow()) == ("closed", True)


def test_circuit_success_resets_the_consecutive_count(breaker):
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()

    assert breaker.state() == "closed"


def test_circuit_opens_after_threshold_and_skips_calls(breaker):
    for _ in range(3):
        breaker.record_failure()

    assert breaker.state() == "open"
    assert [breaker.allow() for _ in range(3)] == [False, False, False]
    assert breaker.retry_at().timestamp() > time.time()


def test_half_open_lets_one_trial_through_across_two_workers(breaker):
    other_worker = CircuitBreaker(breaker.name)
    for _ in range(3):
        breaker.record_failure()
    assert other_worker.state() == "open"

    time.sleep(0.35)

    assert other_worker.state() == "half_open"
    assert [breaker.allow(), other_worker.allow(), breaker.allow()] == [True, False, False]


def test_half_open_trial_success_closes_for_everyone(breaker):
    other_worker = CircuitBreaker(breaker.name)
    for _ in range(3):
        breaker.record_failure()
    time.sleep(0.35)
    assert other_worker.allow() is True

    other_worker.record_success()

    assert (breaker.state(), breaker.allow(), breaker.allow()) == ("closed", True, True)


def test_half_open_trial_failure_reopens(breaker):
    for _ in range(3):
        breaker.record_failure()
    time.sleep(0.35)
    assert breaker.allow() is True

    breaker.record_failure()

    assert (breaker.state(), breaker.allow()) == ("open", False)
    time.sleep(0.35)
    assert breaker.allow() is True  # a new trial after the new cool-down


def test_half_open_trial_race_has_one_winner(breaker):
    for _ in range(3):
        breaker.record_failure()
    time.sleep(0.35)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def contend() -> None:
        barrier.wait()
        results.append(CircuitBreaker(breaker.name).allow())

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 7 + [True]


def test_circuit_fails_open_when_redis_is_unreachable(settings):
    # The real client, pointed at a port nobody listens on. That the breakers then skip
    # Redis for a while, with every other caller, is tests/integrations/test_shared_cache.py.
    settings.CACHES = {
        "default": {
            **django_settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    broken = CircuitBreaker("unreachable")

    for _ in range(10):
        broken.record_failure()

    assert broken.allow() is True
    assert broken.state() == "closed"


def test_circuit_works_on_the_local_memory_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    settings.CIRCUIT_COOLDOWN_SECONDS = 0.2
    local = CircuitBreaker("local")
    local.reset()

    local.record_failure()
    local.record_failure()
    assert local.allow() is False
    time.sleep(0.25)
    assert [local.allow(), local.allow()] == [True, False]
    local.record_success()
    assert local.allow() is True
