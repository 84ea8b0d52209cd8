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

from bookings import ics
from bookings.models import Booking
from integrations.email.base import Attachment, OutgoingEmail

PROSPECT = "prospect"
SELLER = "seller"
ROLES = (PROSPECT, SELLER)

CREATE = "create"
UPDATE = "update"
CANCEL = "cancel"

VIDEO_LOCATIONS = {"google_meet", "zoom", "teams", "jitsi", "whereby"}


@dataclass(frozen=True)
class When:
    """A meeting's time as one reader sees it."""

    date: str  # Monday, 23 November 2026
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
        date=f"{local_start:%A}, {local_start.day} {local_start:%B %Y}",
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
        return f"{label} (link to follow)"
    return label


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
    other = booking.seller.name if role == PROSPECT else booking.name
    kind = booking.meeting_type.name
    if action == CANCEL:
        return f"Cancelled: {kind} with {other} on {moment.date}, {moment.time}"
    if action == UPDATE:
        return f"Rescheduled: {kind} with {other}, now {moment.date}, {moment.time}"
    if role == SELLER:
        return f"New booking: {kind} with {other} on {moment.date}, {moment.time}"
    return f"Confirmed: {kind} with {other} on {moment.date}, {moment.time}"


def build(
    booking: Booking, *, action: str, role: str, manage_url: str | None = None
) -> OutgoingEmail:
    """The ``role``'s email for ``action`` on ``booking``; times in that reader's zone."""
    if role not in ROLES:
        raise ValueError(f"unknown recipient role {role!r}")
    seller = booking.seller
    tz_name = booking.timezone if role == PROSPECT else seller.timezone
    moment = when(booking.start, booking.end, str(tz_name))
    state = calendar_state(booking) if role == SELLER else ""
    method = ics.CANCEL if action == CANCEL else ics.REQUEST
    # The prospect always gets the invite; the seller only when their calendar will not
    # show the meeting by itself (no connected calendar, or its sync failed).
    with_invite = role == PROSPECT or state in ("manual", "none")
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
    }
    template = f"bookings/email/booking_{role}"
    attachments: tuple[Attachment, ...] = ()
    if with_invite:
        lines = [
            f"{booking.meeting_type.name} with {seller.name} and {booking.name}",
            location_text(booking),
        ]
        if context["manage_url"]:
            lines.append(f"Manage or cancel: {context['manage_url']}")
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
