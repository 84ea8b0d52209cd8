"""A business's waitlist calendar settings (seed design 003, "Calendar Configuration"):
connect Google, list its calendars, select one, switch monitoring on or off, disconnect.

Google is connected through the sellers' OAuth flow (``sellers.calendar.oauth``): the
tokens live, encrypted, on a seller's ``CalendarConnection`` and the config points at it,
so one Google account serves both the seller's bookings and the waitlist. Outlook is not
offered: no adapter reads it yet.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict, Invalid
from integrations.base import ProviderError
from integrations.calendar.base import CalendarInfo
from sellers.calendar import connections, oauth
from sellers.models import CalendarConnection, Seller
from waitlist.models import WaitlistCalendarConfig, WaitlistSlot

SESSION_KEY = "waitlist_google_config"  # the config a Google sign-in was begun for
Provider = WaitlistCalendarConfig.Provider
BUILT_PROVIDERS = (Provider.GOOGLE_CALENDAR, Provider.INTERNAL)


def connecting_seller(config: WaitlistCalendarConfig, seller: Seller | None = None) -> Seller:
    """Whose Google connection the config will use: the one named, else the current
    connection's seller, else the seller of the config's personal page."""
    chosen = seller or (config.connection.seller if config.connection else None)
    chosen = chosen or (config.page.seller if config.page else None)
    if chosen is None:
        raise Invalid(
            _("Name the seller whose Google account to connect."),
            {"seller": [_("Required: the business's page belongs to no single seller.")]},
        )
    return chosen


def begin_google_connect(
    *, config: WaitlistCalendarConfig, session: Any, return_to: str, seller: Seller | None = None
) -> str:
    """Google's consent URL; the session remembers the config until the user returns to
    ``return_to`` (where ``finish_google_connect`` runs). Raises Conflict without Google
    settings, Invalid without a seller."""
    if not connections.google_configured():
        raise Conflict(_("Google is not configured: set GOOGLE_CLIENT_ID and SECRET."))
    url = oauth.begin(session, connecting_seller(config, seller), return_to=return_to)
    session[SESSION_KEY] = str(config.pk)
    return url


def finish_google_connect(*, config: WaitlistCalendarConfig, session: Any) -> CalendarConnection:
    """Link the connection the OAuth callback just made (kept in the session, never taken
    from the URL) to ``config``. Used once. Raises Invalid when no flow for this config
    completed in this session."""
    expected = session.pop(SESSION_KEY, None)
    connection_id = session.pop(oauth.CONNECTED_KEY, None)
    connection = CalendarConnection.objects.filter(pk=connection_id).first()
    if expected != str(config.pk) or connection is None:
        raise Invalid(_("No Google sign-in for this business finished here; connect again."))
    return attach_connection(config=config, connection=connection)


@transaction.atomic
def attach_connection(
    *, config: WaitlistCalendarConfig, connection: CalendarConnection
) -> CalendarConnection:
    """Point ``config`` at ``connection`` (Google); the account's primary calendar is
    selected until another is. Its waiting slots are checked at the next tick."""
    config = WaitlistCalendarConfig.objects.select_for_update().get(pk=config.pk)
    if config.connection_id != connection.pk or not config.calendar_id:
        config.calendar_id, config.calendar_name = connection.account_email, _("Primary")
    config.connection = connection
    config.provider = Provider.GOOGLE_CALENDAR
    config.last_error = ""
    config.save()
    _check_soon(config)
    return connection


def list_calendars(*, config: WaitlistCalendarConfig) -> list[CalendarInfo]:
    """The connected account's calendars (calls Google). Raises Conflict when nothing is
    connected or Google refuses (a revoked grant also marks the connection broken)."""
    connection = _connection(config)
    try:
        with connections.guarded(connection):
            return connections.provider_for(connection).calendars()
    except ProviderError as exc:
        WaitlistCalendarConfig.objects.filter(pk=config.pk).update(last_error=str(exc)[:2000])
        raise Conflict(_("Google did not list the calendars: %(error)s") % {"error": exc}) from exc


def select_calendar(
    *, config: WaitlistCalendarConfig, calendar_id: str, calendar_name: str = ""
) -> WaitlistCalendarConfig:
    """Watch ``calendar_id``, which must be on the account's list (calls Google); the
    business's waiting slots are checked against it at the next tick."""
    listed = {info.calendar_id: info for info in list_calendars(config=config)}
    if calendar_id not in listed:
        raise Invalid(
            _("That calendar is not on the connected account."),
            {"calendar_id": [_("Pick one of the listed calendars.")]},
        )
    with transaction.atomic():
        config.calendar_id = calendar_id
        config.calendar_name = calendar_name or listed[calendar_id].name
        config.save(update_fields=["calendar_id", "calendar_name"])
        _check_soon(config)
    return config


@transaction.atomic
def set_enabled(*, config: WaitlistCalendarConfig, is_enabled: bool) -> WaitlistCalendarConfig:
    """Switch monitoring on or off; switched on, the waiting slots are checked at once."""
    config.is_enabled = is_enabled
    config.save(update_fields=["is_enabled"])
    if is_enabled:
        _check_soon(config)
    return config


@transaction.atomic
def disconnect(*, config: WaitlistCalendarConfig) -> WaitlistCalendarConfig:
    """Stop reading Google for this business: its slots are no longer polled (they still
    expire, and our own cancellations still reach them). The seller's connection itself
    stays: their bookings may use it."""
    config.connection = None
    config.provider = Provider.INTERNAL
    config.calendar_id = config.calendar_name = config.last_error = ""
    config.save(
        update_fields=["connection", "provider", "calendar_id", "calendar_name", "last_error"]
    )
    return config


def _connection(config: WaitlistCalendarConfig) -> CalendarConnection:
    connection = config.connection
    if connection is None or config.provider != Provider.GOOGLE_CALENDAR:
        raise Conflict(_("Connect Google Calendar first."))
    if connection.status != CalendarConnection.Status.ACTIVE:
        raise Conflict(_("The Google connection needs to be reconnected."))
    return connection


def _check_soon(config: WaitlistCalendarConfig) -> None:
    """Make the config's watched slots due at the next tick."""
    WaitlistSlot.objects.filter(
        config=config, status__in=[WaitlistSlot.Status.PENDING, WaitlistSlot.Status.MONITORING]
    ).update(next_check_at=None, updated_at=timezone.now())
