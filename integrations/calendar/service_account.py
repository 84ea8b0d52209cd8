"""Service-account mode: one shared company calendar instead of per-seller OAuth.

Set ``GOOGLE_SERVICE_ACCOUNT_FILE`` (the JSON key) and ``GOOGLE_SHARED_CALENDAR_ID`` (the
calendar shared with the service account, with "make changes to events"). A seller's busy
time is read from their own calendar (id = their email), which they share with the service
account ("see only free/busy" is enough).

Google refuses attendees from a service account acting as itself (403
``forbiddenForServiceAccounts``) and will not make it a Meet room either. With
``GOOGLE_IMPERSONATE_USER`` (a Workspace user the key may act as through domain-wide
delegation) tokens carry that ``subject``: events then invite the seller and the prospect
and get a Meet link. Without it, events are written without attendees or Meet, and the
invitation goes by our own email only (``mode_note`` says so in the seller admin).
"""

from __future__ import annotations

from django.conf import settings

from integrations.calendar.base import CalendarProvider
from integrations.calendar.google import SCOPES


def enabled() -> bool:
    return bool(settings.GOOGLE_SERVICE_ACCOUNT_FILE and settings.GOOGLE_SHARED_CALENDAR_ID)


def invites_allowed() -> bool:
    """Whether events on the shared calendar may carry attendees and a Meet request."""
    return bool(settings.GOOGLE_IMPERSONATE_USER)


def mode_note() -> str:
    """What the seller admin says about the shared calendar, or "" when not in this mode."""
    if not enabled():
        return ""
    if invites_allowed():
        return (
            f"Shared company calendar as {settings.GOOGLE_IMPERSONATE_USER} (domain-wide "
            "delegation): events invite the seller and the prospect and get Meet links."
        )
    return (
        "Shared company calendar through a service account without GOOGLE_IMPERSONATE_USER: "
        "events are written without attendees or Google Meet, and invitations go by our "
        "email only. Set GOOGLE_IMPERSONATE_USER (domain-wide delegation) to invite and add Meet."
    )


def provider(*, timeout: float | None = None) -> CalendarProvider:
    """Google Calendar acting as the service account (tokens minted from the key file),
    or as ``GOOGLE_IMPERSONATE_USER`` through domain-wide delegation when it is set."""
    from google.oauth2 import service_account

    from integrations.calendar.google import GoogleCalendar

    credentials = service_account.Credentials.from_service_account_file(
        settings.GOOGLE_SERVICE_ACCOUNT_FILE,
        scopes=list(SCOPES),
        subject=settings.GOOGLE_IMPERSONATE_USER or None,
    )
    return GoogleCalendar(credentials, timeout=timeout)
