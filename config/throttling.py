"""Per-IP throttling of the public API, counted atomically in Redis.

One fixed window per rate period: ``INCR`` and ``EXPIRE`` in one MULTI/EXEC pipeline, so
concurrent requests from many processes never lose a count (DRF's stock throttles read,
modify and write a list in the cache, which races). Every public endpoint (pages, slots,
bookings, manage links, waitlist) uses this one class; booking itself is also limited per
address and per page per period (the two subclasses below). The rate is
``DEFAULT_THROTTLE_RATES["public"]`` (set from ``PUBLIC_THROTTLE_RATE``; None = off), read
per request so settings overrides apply. Redis being down lets requests through: the API
must not fail because its throttle cannot count. It is reached through
``integrations.shared_cache.guard``, so while it is down requests skip it at once (no
connect timeout per request) and the outage is logged once. A request is counted once per
scope even when asked twice (the warm slots path asks before the view does, and a miss
goes on to the view).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from integrations import shared_cache


class PublicThrottle(SimpleRateThrottle):
    scope = "public"

    def __init__(self) -> None:  # the rate is read per request, not at construction
        self.wait_seconds: float | None = None

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None

    def get_ident(self, request: Any) -> str:
        """The client IP. ``X-Forwarded-For`` is trusted only when ``NUM_PROXIES`` says how
        many proxies stand in front (DRF would otherwise take the header as sent, so any
        client could pick a fresh identity per request and never be throttled)."""
        if api_settings.NUM_PROXIES is None:
            return str(request.META.get("REMOTE_ADDR", ""))
        return super().get_ident(request)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return f"throttle:{self.scope}:{self.get_ident(request)}"

    def allow_request(self, request: Any, view: Any) -> bool:
        rate = self.get_rate()
        if rate is None:
            return True
        parsed_limit, parsed_period = self.parse_rate(rate)
        limit, period = int(parsed_limit or 0), int(parsed_period or 1)
        now = time.time()
        window = int(now // period)
        key = f"{self.get_cache_key(request, view)}:{window}"
        # The Django request under DRF's, so both layers see the same record.
        counted: dict[str, int] = getattr(request, "_request", request).__dict__.setdefault(
            "_throttle_counts", {}
        )
        try:
            if key in counted:
                count = counted[key]
            else:
                with shared_cache.guard("public throttle"):
                    count = self._count(key, period)
        except shared_cache.Unavailable:
            return True  # cannot count: let the request through
        counted[key] = count
        if count <= limit:
            return True
        self.wait_seconds = max(1.0, (window + 1) * period - now)
        return False

    @staticmethod
    def _count(key: str, period: int) -> int:
        client = shared_cache.client()
        if client is None:  # local-memory cache (embedded default): one process
            cache.add(key, 0, timeout=period + 1)
            return int(cache.incr(key))
        pipe = client.pipeline(transaction=True)
        pipe.incr(cache.make_key(key))
        pipe.expire(cache.make_key(key), period + 1)
        count, _ = pipe.execute()
        return int(count)

    def wait(self) -> float | None:
        return self.wait_seconds


class BookingsPerIpThrottle(PublicThrottle):
    """Bookings one address may make per period (``BOOKING_RATE_PER_IP``): one client
    cannot fill a calendar with made-up emails, which the per-email limit alone allows."""

    scope = "booking_ip"


class BookingsPerPageThrottle(PublicThrottle):
    """Bookings one page takes per period from everyone (``BOOKING_RATE_PER_PAGE``): a cap
    on a distributed flood, high enough for a real team's busiest hour."""

    scope = "booking_page"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return f"throttle:{self.scope}:{view.kwargs.get('page', '')}"
