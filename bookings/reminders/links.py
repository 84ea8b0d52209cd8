"""The links reminders carry: the stored manage link, its short form for texts, and the
seller's signed one-click outcome links."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.db.models.constants import OnConflict
from django.urls import reverse

from bookings.models import Booking, ManageLink
from bookings.tokens import hash_token
from config import sqlbatch

OUTCOME_SALT = "bookings.reminders.outcome"
OUTCOMES = ("completed", "no_show")


def short_code(booking_id: UUID) -> str:
    """12 URL-safe characters (72 bits) derived from the booking id under ``SECRET_KEY``:
    recomputed when a text is written, so the database keeps only its hash."""
    mac = hmac.new(
        settings.SECRET_KEY.encode(), b"short-manage\x00" + booking_id.bytes, hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac[:9]).decode()


def short_url(booking_id: UUID) -> str:
    return settings.BASE_URL + reverse("bookings:short", kwargs={"code": short_code(booking_id)})


def remember_manage_link(booking: Booking, url: str) -> None:
    """Keep the manage link the booking service announced (the plaintext token exists only
    in that call), encrypted, for later reminders. A change without a link (a staff
    reschedule) keeps the stored one: the token is the same. One upsert (queued inside
    ``sqlbatch.collecting()``)."""
    if not url:
        return
    link = ManageLink(booking=booking, url=url, code_hash=hash_token(short_code(booking.pk)))
    sqlbatch.insert(
        ManageLink,
        [link],
        on_conflict=OnConflict.UPDATE,
        unique_fields=["booking"],
        update_fields=["url", "code_hash"],
    )


def manage_url_for_code(code: str) -> str | None:
    link = ManageLink.objects.filter(code_hash=hash_token(code)).only("url").first()
    return link.url if link else None


def outcome_url(booking_id: UUID, outcome: str) -> str:
    token = signing.dumps({"b": str(booking_id), "o": outcome}, salt=OUTCOME_SALT, compress=True)
    return settings.BASE_URL + reverse("bookings:outcome", kwargs={"token": token})


def read_outcome(token: str) -> tuple[UUID, str] | None:
    """The booking id and outcome a link names, or None if forged, altered or too old."""
    try:
        value = signing.loads(
            token,
            salt=OUTCOME_SALT,
            max_age=dt.timedelta(days=settings.OUTCOME_LINK_MAX_AGE_DAYS),
        )
        booking_id, outcome = UUID(value["b"]), value["o"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (booking_id, outcome) if outcome in OUTCOMES else None
