"""Service-account mode: one shared company calendar instead of per-seller OAuth.

Set ``GOOGLE_SERVICE_ACCOUNT_FILE`` (the JSON key) and ``GOOGLE_SHARED_CALENDAR_ID`` (the
calendar shared with the service account, with "make changes to events"). Booking events go
to that calendar with the seller and the prospect as attendees; a seller's busy time is read
from their own calendar (id = their email), which they share with the service account
("see only free/busy" is enough).
"""

from __future__ import annotations

from django.conf import settings

from integrations.calendar.base import CalendarProvider
from integrations.calendar.google import SCOPES


def enabled() -> bool:
    return bool(settings.GOOGLE_SERVICE_ACCOUNT_FILE and settings.GOOGLE_SHARED_CALENDAR_ID)


def provider(*, timeout: float | None = None) -> CalendarProvider:
    """Google Calendar acting as the service account (tokens minted from the key file)."""
    from google.oauth2 import service_account

    from integrations.calendar.google import GoogleCalendar

    credentials = service_account.Credentials.from_service_account_file(
        settings.GOOGLE_SERVICE_ACCOUNT_FILE, scopes=list(SCOPES)
    )
    return GoogleCalendar(credentials, timeout=timeout)
