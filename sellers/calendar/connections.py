"""Which calendar provider serves a seller, and what happens to its connection row.

- A seller with an active ``CalendarConnection`` uses its provider (Google, or Outlook /
  Microsoft 365 through Graph) with their own OAuth tokens (refreshed tokens are stored
  back, encrypted).
- Otherwise, in service-account mode, the shared company calendar.
- Without Google settings (the embedded default) the in-memory fake stands in.

A refresh answered ``invalid_grant`` marks the connection ``broken`` with the error: routing
then skips the seller (a broken calendar is never treated as free) until staff reconnect.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from integrations.calendar import fake, service_account
from integrations.calendar.base import (
    CalendarProvider,
    GrantRevoked,
    ProviderPermanentError,
    Tokens,
)
from sellers import hooks
from sellers.models import CalendarConnection, Seller

logger = logging.getLogger(__name__)

Status = CalendarConnection.Status


def google_configured() -> bool:
    return bool(settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET)


def active_connection(seller_id: uuid.UUID | str) -> CalendarConnection | None:
    return (
        CalendarConnection.objects.filter(seller_id=seller_id, status=Status.ACTIVE)
        .order_by("created_at")
        .first()
    )


def provider_for(
    connection: CalendarConnection, *, timeout: float | None = None
) -> CalendarProvider:
    """The provider acting with ``connection``'s tokens. Without Google settings: the
    in-memory fake in the embedded default (DEBUG), else a permanent error — never a
    silent success that reached no calendar."""
    if connection.provider == CalendarConnection.Provider.OUTLOOK:
        return _outlook(connection, timeout)
    if not google_configured():
        if settings.DEBUG:
            return fake.shared()
        raise ProviderPermanentError("google_calendar", "GOOGLE_CLIENT_ID/SECRET are not set")
    from integrations.calendar.google import GoogleCalendar, user_credentials

    connection_id = connection.pk

    def store(refreshed: Tokens) -> None:
        save_refreshed_tokens(connection_id, refreshed)

    return GoogleCalendar(user_credentials(_tokens(connection)), timeout=timeout, on_tokens=store)


def _outlook(connection: CalendarConnection, timeout: float | None) -> CalendarProvider:
    from integrations.calendar import outlook

    if not outlook.configured():
        raise ProviderPermanentError("outlook_calendar", "OUTLOOK_CLIENT_ID/SECRET are not set")
    connection_id = connection.pk

    def store(refreshed: Tokens) -> None:
        save_refreshed_tokens(connection_id, refreshed)

    return outlook.OutlookCalendar(_tokens(connection), timeout=timeout, on_tokens=store)


def _tokens(connection: CalendarConnection) -> Tokens:
    return Tokens(
        access_token=connection.access_token,
        refresh_token=connection.refresh_token,
        expires_at=connection.token_expires_at,
        scopes=tuple(connection.scopes or ()),
    )


@dataclass(frozen=True)
class Target:
    """Where a seller's booking events go and whose calendars say they are busy."""

    provider: CalendarProvider
    calendar_id: str
    busy_calendar_ids: tuple[str, ...]
    connection: CalendarConnection | None
    shared: bool = False


def target_for(seller: Seller, *, timeout: float | None = None) -> Target | None:
    """The calendar a seller's bookings are written to, or None when they have none."""
    connection = active_connection(seller.pk)
    if connection is not None:
        return Target(
            provider_for(connection, timeout=timeout),
            connection.write_calendar_id or "primary",
            tuple(connection.busy_calendar_ids or ()),
            connection,
        )
    if service_account.enabled():
        return Target(
            service_account.provider(timeout=timeout),
            settings.GOOGLE_SHARED_CALENDAR_ID,
            (seller.email,),
            None,
            shared=True,
        )
    return None


def save_refreshed_tokens(connection_id: uuid.UUID | str, tokens: Tokens) -> None:
    """Store a refreshed access token (encrypted); keep the refresh token unless rotated."""
    connection = CalendarConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return
    connection.access_token = tokens.access_token
    connection.token_expires_at = tokens.expires_at
    fields = ["access_token", "token_expires_at", "updated_at"]
    if tokens.refresh_token and tokens.refresh_token != connection.refresh_token:
        connection.refresh_token = tokens.refresh_token
        fields.append("refresh_token")
    connection.save(update_fields=fields)


def mark_broken(connection_id: uuid.UUID | str, error: str) -> None:
    """Flag the connection broken with ``error``: the seller leaves routing until reconnect.
    Idempotent. Sends ``hooks.busy_changed`` for eligibility (the slot cache listens)."""
    now = timezone.now()
    seller_ids = list(
        CalendarConnection.objects.filter(pk=connection_id).values_list("seller_id", flat=True)
    )
    CalendarConnection.objects.filter(pk=connection_id).update(
        status=Status.BROKEN, last_error=error[:2000], updated_at=now
    )
    logger.warning("calendar connection %s marked broken: %s", connection_id, error)
    hooks.notify_busy_changed(seller_ids, eligibility=True)


def record_error(connection_id: uuid.UUID | str, error: str) -> None:
    CalendarConnection.objects.filter(pk=connection_id).update(
        last_error=error[:2000], updated_at=timezone.now()
    )


@contextmanager
def guarded(connection: CalendarConnection | None) -> Iterator[None]:
    """Mark ``connection`` broken if the calls inside find its grant revoked (re-raises)."""
    try:
        yield
    except GrantRevoked as exc:
        if connection is not None:
            mark_broken(connection.pk, str(exc))
        raise
