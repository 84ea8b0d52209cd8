"""Manage tokens: 32 random bytes, URL-safe; only a SHA-256 hash is stored.

A booking made with an ``Idempotency-Key`` gets a token derived from that key with an HMAC
under ``SECRET_KEY`` instead of a fresh random one: a replay must return the first answer,
manage token included, and the token itself is never stored. The key is stored hashed too
(``Booking.idempotency_key`` holds ``key_digest(key)``), so neither the database nor a
leaked ``SECRET_KEY`` alone gives the token away.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh manage token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_for_idempotency_key(key: str) -> str:
    """The manage token of the booking created under ``key`` (same length as new_token)."""
    mac = hmac.new(
        settings.SECRET_KEY.encode(), b"manage-token\x00" + key.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """What the database stores and looks up: the token's SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def key_digest(key: str) -> str:
    """What the database stores of an Idempotency-Key: its SHA-256, hex."""
    return hashlib.sha256(b"idempotency\x00" + key.encode()).hexdigest()


def manage_url(token: str) -> str:
    """The prospect's manage page for a token: ``{BASE_URL}/schedule/manage/{token}/``."""
    return f"{settings.BASE_URL}/schedule/manage/{token}/"


def matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(hash_token(token), stored_hash)
