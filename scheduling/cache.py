"""Version counters that key the slot cache, so a cached answer is never stale.

Every seller has a version token in the cache, and so does "everyone" (overrides with no
seller), "the roster" (who is eligible for which page: memberships, sellers, calendar
connections) and "the pages" (pages and meeting types). Any write that can change a
seller's slots replaces the token with a fresh random one (`bump_sellers`, `bump_global`,
`bump_roster`, `bump_pages`); a slot answer is stored with the tokens it was computed under
(read BEFORE the rows it was computed from) and is served only while all of them are still
current (`cached_answer`, `request_answer`), so after a write it is never served again
(by another process: once Redis' report of the bump has reached it, which Redis sends with
its reply to the writer; see `integrations.tracked_keys`).
Checking the stored tokens instead of putting them in the key lets a warm request skip the
roster query (a seller joining a page is seen through the roster token) and, keyed by its
URL (`request_key`), the meeting type query too (a page edit is seen through the pages
token).

- Tokens are random, not counters: a token evicted from the cache comes back as a NEW
  random value, never as an old one, so an evicted token cannot resurrect an old entry.
  They are ints, which django-redis stores as plain decimal text, so the bytes MGET
  returns compare as they are (`request_answer`).
- Writes bump twice: at once (same request, same test transaction) and again after commit,
  because a request running between the first bump and the commit could have cached
  pre-commit data under the new token.
- The cache being down never breaks a read or a write: reads fall back to computing, bumps
  are skipped (entries also expire after `SLOTS_CACHE_SECONDS`). Every call goes through
  `integrations.shared_cache.guard`: while Redis is marked down it is skipped at once, and
  the outage is logged there, once.
- The shared tokens also vouch for what a process keeps in memory (`memo`): a page's
  meeting types, a team's eligible members and a page's routing rules, read on every
  booking and changed only by writes that bump them (routing rules bump the pages token);
  sellers' weekly hours and day overrides are kept under the `HOURS` token as well.
Signals (scheduling.signals) bump on model saves and deletes; code that uses
``queryset.update()``/``bulk_create`` must call `bump_sellers` (or `bump_pages`) itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import secrets
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import transaction

from integrations import shared_cache
from integrations.tracked_keys import TrackedKeys

logger = logging.getLogger(__name__)

SLOTS_CACHE_SECONDS = 60
GLOBAL = "global"
ROSTER = "roster"
PAGES = "pages"
SHARED = (GLOBAL, ROSTER, PAGES)  # the tokens every answer depends on
#: Bumped by any change of anyone's weekly hours or day overrides, with the sellers' own
#: tokens: what `memo` keeps of hours depends on it, not on the sellers' tokens (which
#: every booking bumps).
HOURS = "hours"
_PREFIX = "slots:t:"  # int tokens (the string tokens of "slots:v:" are no longer read)

Tokens = dict[str, int]
T = TypeVar("T")


def _version_key(owner: object) -> str:
    return f"{_PREFIX}{owner}"


def _fresh() -> int:
    return secrets.randbits(63)


def _set_tokens(owners: Iterable[object]) -> None:
    keys = {_version_key(owner): _fresh() for owner in owners}
    if not keys:
        return
    _request.tokens = None  # this thread's own writes are seen by its next memo lookup
    try:
        with shared_cache.guard("slot cache"):
            client = shared_cache.client()
            if client is None:
                cache.set_many(keys, timeout=None)
            else:  # one MSET, as django-redis would store ints (text, no expiry)
                raw = {cache.make_key(key): str(token) for key, token in keys.items()}
                client.mset(raw)
                _tracked_tokens().forget([name.encode() for name in raw])
    except shared_cache.Unavailable:  # the cache being down must not fail a write
        logger.info("slot cache: could not bump %d version(s)", len(keys))


def _bump(owners: list[str]) -> None:
    """New tokens for ``owners`` now, and again after the surrounding transaction commits
    (a request between the two could have cached pre-commit rows under the first)."""
    _set_tokens(owners)
    transaction.on_commit(lambda: _set_tokens(owners))


def bump_sellers(seller_ids: Iterable[object]) -> None:
    """Invalidate every cached slot answer that involves any of these sellers.

    Changes the cache only (now and again after the surrounding transaction commits).
    Idempotent in effect; never raises for a cache failure.
    """
    owners = sorted({str(seller_id) for seller_id in seller_ids if seller_id is not None})
    if owners:
        _bump(owners)


def bump_global() -> None:
    """Invalidate every cached slot answer (an override for everyone changed)."""
    _bump([GLOBAL])


def bump_roster() -> None:
    """Invalidate every cached slot answer's list of eligible sellers (membership, a
    seller's own fields or a calendar connection changed)."""
    _bump([ROSTER])


def bump_pages() -> None:
    """Invalidate every slot answer cached under its URL (a page or meeting type changed)."""
    _bump([PAGES])


def bump_hours() -> None:
    """Invalidate what `memo` keeps of weekly hours and day overrides (anyone's changed)."""
    _bump([HOURS])


def versions(seller_ids: Iterable[object]) -> Tokens | None:
    """The current tokens of these sellers and the `SHARED` ones: one `get_many`.

    Missing tokens are created (one `set_many`). Returns None when the cache is unreachable,
    meaning "do not cache".
    """
    owners = [str(seller_id) for seller_id in seller_ids] + list(SHARED)
    keys = [_version_key(owner) for owner in owners]
    try:
        with shared_cache.guard("slot cache"):
            found = cache.get_many(keys)
            missing = {key: _fresh() for key in keys if key not in found}
            if missing:
                # Two processes racing here may each write a token; the loser's entry is just
                # never read again, which costs a recomputation, never a stale answer.
                cache.set_many(missing, timeout=None)
                found.update(missing)
    except shared_cache.Unavailable:
        return None
    return {owner: found[key] for owner, key in zip(owners, keys, strict=True)}


#: `memo`'s entries: key → (the shared tokens they were computed under, the value pickled
#: or, when nobody can change it, as it is; whether it is pickled).
_memo: dict[Hashable, tuple[tuple[int, ...], Any, bool]] = {}
#: Past this many entries the memo starts again empty (a few per page in practice).
MEMO_ENTRIES = 512


def memo(
    key: Hashable, compute: Callable[[], T], *, also: Sequence[str] = (), copy: bool = True
) -> T:
    """``compute()``, kept by this process and reused while the `SHARED` tokens (and those
    named in ``also``: `HOURS`) are the ones it was computed under: for values only
    writes that bump those change (a page's meeting types, a team's eligible members, a
    page's routing rules, sellers' hours). One cache round trip per request (`request`)
    instead of the queries; the cache unreachable: computed every time.

    Each caller gets its own copy (kept pickled), so no request sees what another one
    changed on it; ``copy=False`` for values nobody can change (tuples of frozen values in
    a read-only mapping), handed to every caller as they are. Kept only when computed
    outside a transaction: inside one it may have read rows of its own that a rollback
    undoes without bumping any token."""
    tokens = _memo_tokens()
    if tokens is None:
        return compute()
    stamp = tuple(tokens[owner] for owner in (*SHARED, *also))
    entry = _memo.get(key)
    if entry is not None and entry[0] == stamp:
        kept, pickled = entry[1], entry[2]
        # Pickled by this process, from its own database rows.
        return cast(T, pickle.loads(kept) if pickled else kept)  # noqa: S301
    value = compute()
    if not transaction.get_connection().in_atomic_block:
        if len(_memo) >= MEMO_ENTRIES:
            _memo.clear()
        kept = pickle.dumps(value, pickle.HIGHEST_PROTOCOL) if copy else value
        _memo[key] = (stamp, kept, copy)
    return value


#: The tokens `memo` read in this thread's current request, if it is in one (`request`).
_request = threading.local()


def _memo_tokens() -> Tokens | None:
    """The tokens `memo` checks (`SHARED` and `HOURS`): read once per request, and again
    after a bump this thread makes; outside a request, at every call."""
    tokens: Tokens | None = getattr(_request, "tokens", None)
    if tokens is None:
        tokens = versions([HOURS])
        if getattr(_request, "active", False):
            _request.tokens = tokens
    return tokens


def request(active: bool) -> None:
    """A request begins (True) or ends (False) in this thread (Django's request signals,
    scheduling.signals): within it `memo` reads the tokens once, as if at its start;
    values written meanwhile by others are seen by the next request."""
    _request.active = active
    _request.tokens = None


def clear_memo() -> None:
    """Empty this process's memo and kept answers (each test starts from nothing: a test
    database flushed without bumping any token must not be answered from an earlier
    test's rows)."""
    _memo.clear()
    _answers.clear()
    _tracked_tokens().clear()


def pages_token() -> int | None:
    """The current pages token (None: the cache is unreachable)."""
    shared = versions(())
    return None if shared is None else shared[PAGES]


def response_key(parts: dict[str, Any]) -> str:
    """A cache key for a response: a hash of everything the answer depends on."""
    raw = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return "slots:r:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_answer(key: str) -> tuple[Tokens, Any] | None:
    """The tokens and answer stored under `key` by `put_answer` if every token it was
    computed under is still current, else None (two cache round trips)."""
    entry = get(key)
    if entry is None:
        return None
    tokens, _ = entry
    current = versions(owner for owner in tokens if owner not in SHARED)
    return cast(tuple[Tokens, Any], entry) if current == tokens else None


def request_key(path: str, query: str, now: float) -> str:
    """The cache key of the answer to a GET of `path` with `query` (the raw query string)
    in the minute of `now` (epoch seconds): minimum notice moves with the clock, so an
    answer is reused within one minute only."""
    raw = f"{int(now) // SLOTS_CACHE_SECONDS}:{path}?{query}"
    return "slots:u:" + hashlib.sha256(raw.encode()).hexdigest()


def request_answer(key: str) -> Any:
    """The answer stored under the request key `key` (`request_key`) by
    `put_request_answer` if every token it was computed under is still current, else None.

    On Redis, a process keeps the answers it stored or fetched (`_answers`) and checks an
    answer's tokens against the values it knows (`_tracked`, kept current by Redis'
    reports): no round trip when all are known, else one MGET of them, whatever their
    number. An answer it does not hold takes two round trips (the entry, then its
    tokens) and is kept from then on. Elsewhere (the local-memory default) two cache
    calls. Never raises for a cache failure.
    """
    try:
        with shared_cache.guard("slot cache"):
            client = shared_cache.client()
            if client is not None:
                return _redis_answer(client, cache.make_key(key))
            entry = cache.get(key)
            if entry is None:
                return None
            tokens, answer = entry
            found = cache.get_many([_version_key(owner) for owner in tokens])
    except shared_cache.Unavailable:
        return None
    current = {owner: found.get(_version_key(owner)) for owner in tokens}
    return answer if current == tokens else None


def put_request_answer(key: str, tokens: Tokens, answer: Any) -> None:
    """Store `answer` under the request key `key` with the `tokens` read before computing
    it, for `SLOTS_CACHE_SECONDS`. Never raises for a cache failure."""
    try:
        with shared_cache.guard("slot cache"):
            client = shared_cache.client()
            if client is None:
                cache.set(key, (tokens, answer), timeout=SLOTS_CACHE_SECONDS)
                return
            # One hash: the pickled answer, and per token its Redis key and value as Redis
            # holds it (django-redis writes an int as its decimal text).
            names = [cache.make_key(_version_key(owner)).encode() for owner in tokens]
            values = [str(token).encode() for token in tokens.values()]
            fields: dict[bytes, bytes] = dict(zip(names, values, strict=True))
            fields[_ANSWER_FIELD] = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
            raw_key = cache.make_key(key)
            pipe = client.pipeline(transaction=True)
            pipe.delete(raw_key)
            pipe.hset(raw_key, mapping=fields)
            pipe.expire(raw_key, SLOTS_CACHE_SECONDS)
            pipe.execute()
            _keep_answer(raw_key, names, values, answer)
    except shared_cache.Unavailable:
        pass  # the next request computes the answer again


_ANSWER_FIELD = b"="  # no cache key is "=", so it cannot be mistaken for a token's
#: Answers this process stored or fetched, by Redis key: (token keys, their values when
#: the answer was computed, the answer). Valid exactly as long as the shared entry is
#: (its tokens unchanged; the key names its minute), so keeping it here changes no
#: answer, only where it is read from.
_answers: dict[str, tuple[list[bytes], list[bytes], Any]] = {}
#: Past this many the process starts again empty (one per page, range and zone asked for
#: in the current minute).
ANSWER_ENTRIES = 256


def _keep_answer(raw_key: str, names: list[bytes], values: list[bytes], answer: Any) -> None:
    if len(_answers) >= ANSWER_ENTRIES:
        _answers.clear()
    _answers[raw_key] = (names, values, answer)


def _redis_answer(client: Any, raw_key: str) -> Any:
    kept = _answers.get(raw_key)
    if kept is None:
        entry: dict[bytes, bytes] = client.hgetall(raw_key)
        pickled = entry.pop(_ANSWER_FIELD, None)
        if pickled is None:
            return None
        # Our own entry in our own Redis, as django-redis pickles every value there.
        kept = (list(entry), list(entry.values()), pickle.loads(pickled))  # noqa: S301
        _keep_answer(raw_key, *kept)
    names, values, answer = kept
    if names and _tracked_tokens().values(client, names) != values:
        _answers.pop(raw_key, None)
        return None
    return answer


#: The tokens' values this process has read, kept current by Redis' reports of changes
#: (`integrations.tracked_keys`): a warm answer whose tokens are all known needs no round
#: trip at all.
_tracked: TrackedKeys | None = None


def _tracked_tokens() -> TrackedKeys:
    global _tracked
    prefix = cache.make_key(_PREFIX)
    if _tracked is None or _tracked.prefix != prefix:  # another cache (tests' settings)
        _tracked = TrackedKeys(prefix)
    return _tracked


def put_answer(key: str, tokens: Tokens, answer: Any) -> None:
    """Store `answer` with the `tokens` (from `versions`) read before computing it."""
    put(key, (tokens, answer))


def get(key: str) -> Any:
    try:
        with shared_cache.guard("slot cache"):
            return cache.get(key)
    except shared_cache.Unavailable:
        return None


def put(key: str, value: Any, timeout: int = SLOTS_CACHE_SECONDS) -> None:
    try:
        with shared_cache.guard("slot cache"):
            cache.set(key, value, timeout=timeout)
    except shared_cache.Unavailable:
        pass
