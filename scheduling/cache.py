"""Version counters that key the slot cache, so a cached answer is never stale.

Every seller has a version token in the cache, and so does "everyone" (overrides with no
seller), "the roster" (who is eligible for which page: memberships, sellers, calendar
connections) and "the pages" (pages and meeting types). Any write that can change a
seller's slots replaces the token with a fresh random one (`bump_sellers`, `bump_global`,
`bump_roster`, `bump_pages`); a slot answer is stored with the tokens it was computed under
(read BEFORE the rows it was computed from) and is served only while all of them are still
current (`cached_answer`, `request_answer`), so after a write it is never served again.
Checking the stored tokens instead of putting them in the key lets a warm request skip the
roster query (a seller joining a page is seen through the roster token) and, keyed by its
URL (`request_key`), the meeting type query too (a page edit is seen through the pages
token).

- Tokens are random, not counters: a token evicted from the cache comes back as a NEW
  random value, never as an old one, so an evicted token cannot resurrect an old entry.
- Writes bump twice: at once (same request, same test transaction) and again after commit,
  because a request running between the first bump and the commit could have cached
  pre-commit data under the new token.
- The cache being down never breaks a read or a write: reads fall back to computing, bumps
  are logged and skipped (entries also expire after `SLOTS_CACHE_SECONDS`).
Signals (scheduling.signals) bump on model saves and deletes; code that uses
``queryset.update()``/``bulk_create`` must call `bump_sellers` (or `bump_pages`) itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any, cast

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

SLOTS_CACHE_SECONDS = 60
GLOBAL = "global"
ROSTER = "roster"
PAGES = "pages"
SHARED = (GLOBAL, ROSTER, PAGES)  # the tokens every answer depends on
_PREFIX = "slots:v:"


def _version_key(owner: object) -> str:
    return f"{_PREFIX}{owner}"


def _fresh() -> str:
    return uuid.uuid4().hex[:16]


def _set_tokens(owners: Iterable[object]) -> None:
    keys = {_version_key(owner): _fresh() for owner in owners}
    if not keys:
        return
    try:
        cache.set_many(keys, timeout=None)
    except Exception:  # the cache being down must not fail a write
        logger.warning("slot cache: could not bump %d version(s)", len(keys), exc_info=True)


def bump_sellers(seller_ids: Iterable[object]) -> None:
    """Invalidate every cached slot answer that involves any of these sellers.

    Changes the cache only (now and again after the surrounding transaction commits).
    Idempotent in effect; never raises for a cache failure.
    """
    owners = sorted({str(seller_id) for seller_id in seller_ids if seller_id is not None})
    if not owners:
        return
    _set_tokens(owners)
    transaction.on_commit(lambda: _set_tokens(owners))


def bump_global() -> None:
    """Invalidate every cached slot answer (an override for everyone changed)."""
    _set_tokens([GLOBAL])
    transaction.on_commit(lambda: _set_tokens([GLOBAL]))


def bump_roster() -> None:
    """Invalidate every cached slot answer's list of eligible sellers (membership, a
    seller's own fields or a calendar connection changed)."""
    _set_tokens([ROSTER])
    transaction.on_commit(lambda: _set_tokens([ROSTER]))


def bump_pages() -> None:
    """Invalidate every slot answer cached under its URL (a page or meeting type changed)."""
    _set_tokens([PAGES])
    transaction.on_commit(lambda: _set_tokens([PAGES]))


def versions(seller_ids: Iterable[object]) -> dict[str, str] | None:
    """The current tokens of these sellers and the `SHARED` ones: one `get_many`.

    Missing tokens are created (one `set_many`). Returns None when the cache is unreachable,
    meaning "do not cache".
    """
    owners = [str(seller_id) for seller_id in seller_ids] + list(SHARED)
    keys = [_version_key(owner) for owner in owners]
    try:
        found = cache.get_many(keys)
        missing = {key: _fresh() for key in keys if key not in found}
        if missing:
            # Two processes racing here may each write a token; the loser's entry is just
            # never read again, which costs a recomputation, never a stale answer.
            cache.set_many(missing, timeout=None)
            found.update(missing)
    except Exception:
        logger.warning("slot cache unreachable; computing without it", exc_info=True)
        return None
    return {owner: found[key] for owner, key in zip(owners, keys, strict=True)}


def pages_token() -> str | None:
    """The current pages token (None: the cache is unreachable)."""
    shared = versions(())
    return None if shared is None else shared[PAGES]


def response_key(parts: dict[str, Any]) -> str:
    """A cache key for a response: a hash of everything the answer depends on."""
    raw = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return "slots:r:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_answer(key: str) -> tuple[dict[str, str], Any] | None:
    """The tokens and answer stored under `key` by `put_answer` if every token it was
    computed under is still current, else None (two cache round trips)."""
    entry = get(key)
    if entry is None:
        return None
    tokens, _ = entry
    current = versions(owner for owner in tokens if owner not in SHARED)
    return cast(tuple[dict[str, str], Any], entry) if current == tokens else None


def request_key(path: str, query: str, now: float) -> str:
    """The cache key of the answer to a GET of `path` with `query` (the raw query string)
    in the minute of `now` (epoch seconds): minimum notice moves with the clock, so an
    answer is reused within one minute only."""
    raw = f"{int(now) // SLOTS_CACHE_SECONDS}:{path}?{query}"
    return "slots:u:" + hashlib.sha256(raw.encode()).hexdigest()


#: Per cache key: the version keys its last entry was stored with, so a warm read asks for
#: the entry and its tokens in ONE `get_many` (bounded: cleared when it grows too large).
_dependencies: dict[str, list[str]] = {}
_MAX_REMEMBERED = 10_000


def request_answer(key: str) -> Any:
    """The answer stored under the request key `key` (`request_key`) by `put_answer` if
    every token it was computed under is still current, else None.

    One cache round trip once this process has seen the key (a second one the first time,
    or when the answer's sellers changed). Never raises for a cache failure.
    """
    known = _dependencies.get(key, [])
    try:
        found = cache.get_many([key, *known])
        entry = found.get(key)
        if entry is None:
            return None
        tokens, answer = entry
        needed = [_version_key(owner) for owner in tokens]
        # A token asked for and not found was evicted: the entry is stale, ask no further.
        unasked = set(needed).difference(known) if needed != known else ()
        if unasked:
            found.update(cache.get_many(sorted(unasked)))
    except Exception:
        logger.warning("slot cache unreachable on read", exc_info=True)
        return None
    if len(_dependencies) >= _MAX_REMEMBERED:
        _dependencies.clear()
    _dependencies[key] = needed
    current = {owner: found.get(_version_key(owner)) for owner in tokens}
    return answer if current == tokens else None


def put_answer(key: str, tokens: dict[str, str], answer: Any) -> None:
    """Store `answer` with the `tokens` (from `versions`) read before computing it."""
    put(key, (tokens, answer))


def get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:
        logger.warning("slot cache unreachable on read", exc_info=True)
        return None


def put(key: str, value: Any, timeout: int = SLOTS_CACHE_SECONDS) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        logger.warning("slot cache unreachable on write", exc_info=True)
