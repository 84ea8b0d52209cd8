"""Waitlist links: ``wl_`` + 32 random bytes (URL-safe), only a SHA-256 hash stored.

Looked up by hash, then compared in constant time. A registration link opens its entry
until the last time it waits for; an offer link until the offered start, and acts once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from bookings.services import TokenExpired
from config.errors import NotFound
from waitlist.models import WaitlistEntry, WaitlistToken

PREFIX = "wl_"
TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint(entry: WaitlistEntry, kind: str, expires_at: dt.datetime) -> str:
    """A fresh token of ``kind`` for ``entry`` (its hash stored); the plaintext is returned
    once, for the SMS and the API answer."""
    token = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    WaitlistToken.objects.create(
        entry=entry, kind=kind, token_hash=hash_token(token), expires_at=expires_at
    )
    return token


def link(token: str) -> str:
    """The public page a token opens: ``{BASE_URL}/waitlist/{token}/``."""
    return f"{settings.BASE_URL}/waitlist/{token}/"


def open_token(token: str, *, now: dt.datetime | None = None) -> WaitlistToken:
    """The token row (with its entry, slot, meeting type and page) for a presented token.
    ``NotFound`` for an unknown one; ``TokenExpired`` past its expiry, once used, or when
    its entry left the list (cancelled) or was booked (confirmed). 1 query."""
    if not isinstance(token, str) or not token.startswith(PREFIX) or len(token) > 100:
        raise NotFound("No waitlist entry has this link.")
    row = (
        WaitlistToken.objects.select_related(
            "entry__slot__meeting_type__page", "entry__booking", "entry__hold"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )
    if row is None or not hmac.compare_digest(hash_token(token), row.token_hash):
        raise NotFound("No waitlist entry has this link.")
    finished = (WaitlistEntry.Status.CANCELLED, WaitlistEntry.Status.CONFIRMED)
    if (
        row.expires_at <= (now or timezone.now())
        or row.consumed_at is not None
        or row.entry.status in finished
    ):
        raise TokenExpired("This link has expired.")
    return row
