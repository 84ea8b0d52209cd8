"""Slot cache version tokens: bumped per seller, after commit too, safe when Redis is down."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test.utils import override_settings

from scheduling import cache as slot_cache

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_versions_are_stable_until_a_bump_of_that_seller(db):
    first = slot_cache.versions(["s1", "s2"])
    assert slot_cache.versions(["s1", "s2"]) == first

    slot_cache.bump_sellers(["s2"])
    after = slot_cache.versions(["s1", "s2"])

    assert (after["s1"], after["global"]) == (first["s1"], first["global"])
    assert after["s2"] != first["s2"]


def test_bump_global_changes_only_the_global_token(db):
    first = slot_cache.versions(["s3"])

    slot_cache.bump_global()

    after = slot_cache.versions(["s3"])
    assert (after["s3"] == first["s3"], after["global"] == first["global"]) == (True, False)


def test_an_evicted_token_comes_back_as_a_new_one(db):
    first = slot_cache.versions(["s4"])

    cache.delete("slots:t:s4")

    assert slot_cache.versions(["s4"])["s4"] != first["s4"]


def test_bump_happens_again_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        slot_cache.bump_sellers(["s5"])
        during = slot_cache.versions(["s5"])["s5"]

    assert len(callbacks) == 1
    assert slot_cache.versions(["s5"])["s5"] != during


def test_reading_versions_is_one_round_trip_once_they_exist(db, monkeypatch):
    slot_cache.versions(["a", "b", "c"])
    calls = []
    monkeypatch.setattr(cache, "get_many", lambda keys: calls.append(keys) or {k: 1 for k in keys})

    slot_cache.versions(["a", "b", "c"])

    assert len(calls) == 1


def test_cache_down_reads_none_and_bumps_quietly(db):
    with override_settings(CACHES=DEAD_REDIS):
        assert slot_cache.versions(["s6"]) is None
        assert slot_cache.cached_answer("k") is None
        assert slot_cache.request_answer("k") is None
        slot_cache.put_request_answer("k", {"s6": 1}, "answer")
        slot_cache.bump_pages()
        slot_cache.bump_roster()
        slot_cache.bump_sellers(["s6"])
        slot_cache.bump_global()
        slot_cache.put("k", {"a": 1})
        assert slot_cache.get("k") is None


@pytest.mark.parametrize("parts", [{"a": 1}, {"a": [1, "x"], "b": None}])
def test_response_key_is_stable_and_order_free(parts):
    reordered = dict(reversed(list(parts.items())))

    assert slot_cache.response_key(parts) == slot_cache.response_key(reordered)
    assert slot_cache.response_key(parts) != slot_cache.response_key({**parts, "z": 0})


def test_cached_answer_is_served_while_every_token_it_was_computed_under_holds(db):
    tokens = slot_cache.versions(["s7", "s8"])
    slot_cache.put_answer("slots:r:test-answer", tokens, (b"{}", '"e"'))
    assert slot_cache.cached_answer("slots:r:test-answer") == (tokens, (b"{}", '"e"'))

    slot_cache.bump_sellers(["s9"])  # a seller the answer does not involve
    assert slot_cache.cached_answer("slots:r:test-answer") == (tokens, (b"{}", '"e"'))

    slot_cache.bump_sellers(["s8"])
    assert slot_cache.cached_answer("slots:r:test-answer") is None


def test_a_roster_bump_retires_every_cached_answer(db):
    tokens = slot_cache.versions(["s10"])
    slot_cache.put_answer("slots:r:test-roster", tokens, "answer")
    assert slot_cache.cached_answer("slots:r:test-roster") == (tokens, "answer")

    slot_cache.bump_roster()

    assert slot_cache.cached_answer("slots:r:test-roster") is None


def _redis_commands(monkeypatch) -> list[str]:
    """The names of the Redis commands sent from now on."""
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    commands: list[str] = []
    execute = client.execute_command
    monkeypatch.setattr(
        client, "execute_command", lambda *a, **kw: commands.append(a[0]) or execute(*a, **kw)
    )
    return commands


def test_a_warm_answer_on_redis_needs_no_round_trip_once_its_tokens_are_known(db, monkeypatch):
    key = slot_cache.request_key("/p/t/slots/", "team=200", 0)
    sellers = [f"s-many-{n}" for n in range(200)]
    slot_cache.put_request_answer(key, slot_cache.versions(sellers), {"body": b"x" * 8000})
    commands = _redis_commands(monkeypatch)

    assert slot_cache.request_answer(key) == {"body": b"x" * 8000}
    assert slot_cache.request_answer(key) == {"body": b"x" * 8000}
    assert commands == ["MGET"]  # the 203 tokens once; then Redis reports their changes


def test_another_process_fetches_an_answer_once_then_trusts_its_tokens(db, monkeypatch):
    key = slot_cache.request_key("/p/t/slots/", "fetched", 0)
    slot_cache.put_request_answer(key, slot_cache.versions(["s16"]), "answer")
    slot_cache.clear_memo()  # a process that did not store it
    commands = _redis_commands(monkeypatch)

    assert slot_cache.request_answer(key) == "answer"
    assert slot_cache.request_answer(key) == "answer"
    assert commands == ["HGETALL", "MGET"]


def _other_process():
    """A Redis client of its own, as another process has (not our pool, not our code)."""
    import redis
    from django_redis import get_redis_connection

    kwargs = get_redis_connection("default").connection_pool.connection_kwargs
    return redis.Redis(host=kwargs["host"], port=kwargs["port"], db=kwargs["db"])


def _soon(check, seconds=2.0):
    """True once `check()` is, within `seconds` (a report from Redis is on its way)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


@pytest.mark.parametrize("change", ["write", "delete", "flush"])
def test_a_token_changed_by_another_process_retires_the_answer_when_redis_reports_it(db, change):
    key = slot_cache.request_key("/p/t/slots/", f"other={change}", 0)
    slot_cache.put_request_answer(key, slot_cache.versions(["s18", "s19"]), "answer")
    assert slot_cache.request_answer(key) == "answer"  # its tokens are now known
    other, token = _other_process(), cache.make_key("slots:t:s19")

    if change == "write":
        other.set(token, "12345")
    elif change == "delete":
        other.delete(token)
    else:
        other.flushdb()

    assert _soon(lambda: slot_cache.request_answer(key) is None)


def test_without_its_tracking_connection_the_process_asks_redis_each_time(db, monkeypatch):
    key = slot_cache.request_key("/p/t/slots/", "untracked", 0)
    slot_cache.put_request_answer(key, slot_cache.versions(["s20"]), "answer")
    assert slot_cache.request_answer(key) == "answer"
    other = _other_process()
    db_number = str(other.connection_pool.connection_kwargs["db"])
    (ours,) = [
        client["id"]
        for client in other.client_list(_type="pubsub")
        if client["name"] == "meetroute-tracking" and client["db"] == db_number
    ]
    other.client_kill_filter(_id=ours)  # as when Redis restarts
    commands = _redis_commands(monkeypatch)
    other.set(cache.make_key("slots:t:s20"), "12345")

    assert slot_cache.request_answer(key) is None  # asked Redis: no report needed
    assert commands[-1] == "MGET"


def test_an_answer_gone_from_redis_is_a_miss_for_a_process_that_never_held_it(db):
    key = slot_cache.request_key("/p/t/slots/", "expired", 0)
    slot_cache.put_request_answer(key, slot_cache.versions(["s17"]), "answer")
    slot_cache.clear_memo()
    cache.delete(key)

    assert slot_cache.request_answer(key) is None


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# "redis, fetched": the answer was stored by another process, this one fetches it first.
@pytest.mark.parametrize(
    "caches, fetched",
    [(None, False), (None, True), (LOCMEM, False)],
    ids=["redis", "redis, fetched", "locmem"],
)
@pytest.mark.parametrize("bump", ["seller", "global", "roster", "pages", "evicted"])
def test_request_answer_is_retired_by_any_of_its_tokens(db, bump, caches, fetched):
    with override_settings(CACHES=caches or settings.CACHES):
        key = slot_cache.request_key("/p/t/slots/", f"bump={bump}", 0)
        slot_cache.put_request_answer(key, slot_cache.versions(["s13", "s14"]), "answer")
        if fetched:
            slot_cache.clear_memo()
        slot_cache.bump_sellers(["s15"])  # a seller the answer does not involve
        assert slot_cache.request_answer(key) == "answer"

        if bump == "seller":
            slot_cache.bump_sellers(["s14"])
        elif bump == "global":
            slot_cache.bump_global()
        elif bump == "roster":
            slot_cache.bump_roster()
        elif bump == "pages":
            slot_cache.bump_pages()
        else:  # not a bump: on Redis, seen when Redis reports it
            cache.delete("slots:t:s13")
            assert _soon(lambda: slot_cache.request_answer(key) is None)

        assert slot_cache.request_answer(key) is None  # own bumps: at once


def test_request_key_is_per_url_and_per_minute():
    key = slot_cache.request_key("/a/slots/", "start=1", 120)

    assert key == slot_cache.request_key("/a/slots/", "start=1", 179)
    assert key != slot_cache.request_key("/a/slots/", "start=1", 180)
    assert key != slot_cache.request_key("/a/slots/", "start=2", 120)
    assert key != slot_cache.request_key("/b/slots/", "start=1", 120)
