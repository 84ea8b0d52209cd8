"""The booking emails: who gets what, in which timezone, with which invite.

Pure rendering: reads the booking (and its seller and meeting type), returns
``OutgoingEmail`` values; sending is someone else's job.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from bookings import ics
from bookings.models import Booking
from integrations.email.base import Attachment, OutgoingEmail

PROSPECT = "prospect"
SELLER = "seller"
ROLES = (PROSPECT, SELLER)

CREATE = "create"
UPDATE = "update"
CANCEL = "cancel"
CONFIRM = "confirm"  # asks the prospect to confirm a pending booking (prospect only)

VIDEO_LOCATIONS = {"google_meet", "zoom", "teams", "jitsi", "whereby"}


@dataclass(frozen=True)
class When:
    """A meeting's time as one reader sees it."""

    date: str  # Monday, 23 November 2026 / lunes, 23 de noviembre de 2026
    time: str  # 10:00–10:30
    zone: str  # America/Lima (UTC-05:00)

    def __str__(self) -> str:
        return f"{self.date}, {self.time} {self.zone}"


def when(start: dt.datetime, end: dt.datetime, tz_name: str) -> When:
    tz = zoneinfo.ZoneInfo(tz_name)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    offset = local_start.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"
    return When(
        # Day and month names in the active language (Django's catalogs, not the C locale).
        date=date_format(local_start, _("l, j F Y")),
        time=f"{local_start:%H:%M}–{local_end:%H:%M}",
        zone=f"{tz_name} (UTC{offset})",
    )


def location_text(booking: Booking) -> str:
    """Where the meeting happens, as known now (a video link may come later)."""
    label = booking.get_location_type_display()
    if booking.meeting_url:
        return f"{label}: {booking.meeting_url}"
    detail = booking.location or booking.meeting_type.location_details
    if detail:
        return f"{label}: {detail}"
    if booking.location_type in VIDEO_LOCATIONS:
        return _("%(label)s (link to follow)") % {"label": label}
    return str(label)


def calendar_state(booking: Booking) -> str:
    """How the seller's copy talks about their calendar: synced, pending, manual or none."""
    if booking.calendar_needs_manual_sync:
        return "manual"
    if booking.calendar_synced:
        return "synced"
    if booking.seller.calendars.filter(status="active").exists():
        return "pending"
    return "none"


def _subject(action: str, role: str, booking: Booking, moment: When) -> str:
    values = {
        "kind": booking.meeting_type.name,
        "other": booking.seller.name if role == PROSPECT else booking.name,
        "date": moment.date,
        "time": moment.time,
    }
    if action == CANCEL:
        return _("Cancelled: %(kind)s with %(other)s on %(date)s, %(time)s") % values
    if action == CONFIRM:
        return _("Please confirm: %(kind)s with %(other)s on %(date)s, %(time)s") % values
    if action == UPDATE:
        return _("Rescheduled: %(kind)s with %(other)s, now %(date)s, %(time)s") % values
    if role == SELLER:
        return _("New booking: %(kind)s with %(other)s on %(date)s, %(time)s") % values
    return _("Confirmed: %(kind)s with %(other)s on %(date)s, %(time)s") % values


def build(
    booking: Booking, *, action: str, role: str, manage_url: str | None = None
) -> OutgoingEmail:
    """The ``role``'s email for ``action`` on ``booking``; times in that reader's zone.

    The prospect's email (and its invite) is in the booking's language; the seller's in
    the first of their languages we speak, else the site's."""
    if role not in ROLES:
        raise ValueError(f"unknown recipient role {role!r}")
    lang = booking.language if role == PROSPECT else seller_language(booking.seller.languages)
    with translation.override(lang):
        return _build(booking, action=action, role=role, manage_url=manage_url)


def seller_language(languages: object) -> str:
    codes = [str(code).lower() for code in languages] if isinstance(languages, list) else []
    spoken = {code for code, _name in settings.LANGUAGES}
    return next((code for code in codes if code in spoken), settings.LANGUAGE_CODE)


def _build(booking: Booking, *, action: str, role: str, manage_url: str | None) -> OutgoingEmail:
    seller = booking.seller
    tz_name = booking.timezone if role == PROSPECT else seller.timezone
    moment = when(booking.start, booking.end, str(tz_name))
    state = calendar_state(booking) if role == SELLER else ""
    method = ics.CANCEL if action == CANCEL else ics.REQUEST
    # The prospect always gets the invite; the seller only when their calendar will not
    # show the meeting by itself (no connected calendar, or its sync failed).
    with_invite = action != CONFIRM and (role == PROSPECT or state in ("manual", "none"))
    context = {
        "booking": booking,
        "seller": seller,
        "action": action,
        "role": role,
        "when": moment,
        "prospect_when": when(booking.start, booking.end, str(booking.timezone)),
        "meeting_type": booking.meeting_type.name,
        "location": location_text(booking),
        "host_url": booking.video_host_url if role == SELLER else "",
        "manage_url": manage_url if role == PROSPECT and action != CANCEL else None,
        "calendar_state": state,
        "with_invite": with_invite,
        "answers": _answers(booking) if role == SELLER else [],
        "base_url": settings.BASE_URL,
        # The deadline of a pending booking, as the reader's wall-clock time.
        "confirm_by": (
            f"{booking.confirm_by.astimezone(zoneinfo.ZoneInfo(str(tz_name))):%H:%M}"
            if booking.confirm_by
            else ""
        ),
    }
    template = f"bookings/email/booking_{role}"
    attachments: tuple[Attachment, ...] = ()
    if with_invite:
        names = {"meeting": booking.meeting_type.name, "seller": seller.name}
        names["prospect"] = booking.name
        lines = [
            _("%(meeting)s with %(seller)s and %(prospect)s") % names,
            location_text(booking),
        ]
        if context["manage_url"]:
            lines.append(_("Manage or cancel: %(url)s") % {"url": context["manage_url"]})
        description = "\n".join(lines)
        content = ics.build_invite(
            booking, method=method, description=description, location=location_text(booking)
        )
        attachments = (Attachment("invite.ics", content, ics.mimetype(method)),)
    return OutgoingEmail(
        to=booking.email if role == PROSPECT else seller.email,
        subject=_subject(action, role, booking, moment),
        text=render_to_string(f"{template}.txt", context).strip() + "\n",
        html=render_to_string(f"{template}.html", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=(seller.email,) if role == PROSPECT else (booking.email,),
        attachments=attachments,
    )


def _answers(booking: Booking) -> list[tuple[str, str]]:
    answers = booking.answers if isinstance(booking.answers, dict) else {}
    rows = []
    for key, value in answers.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append((str(key), shown))
    return rows
