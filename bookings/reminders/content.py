"""What a reminder says: the email (HTML + text + the invite again) and the text message.

Pure rendering over a loaded reminder (booking, seller, meeting type, page and manage link
selected with it): no queries. Texts a meeting type sets in the admin are Django templates
over the context of ``fields``; empty ones use the built-in, translated texts. Everything
renders in the booking's language (``settings.LANGUAGE_CODE`` until bookings store one).
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from bookings import ics
from bookings.models import Booking, ManageLink, Reminder
from bookings.outbox import messages
from bookings.reminders import links
from integrations.email.base import Attachment, OutgoingEmail

SMS_LIMIT = 160
# GSM 03.38: the basic set (one septet each) and the extension table (two septets each).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"


def gsm7_length(text: str) -> int | None:
    """Septets ``text`` takes in GSM-7, or None when it needs UCS-2."""
    total = 0
    for char in text:
        if char in GSM7_BASIC:
            total += 1
        elif char in GSM7_EXTENDED:
            total += 2
        else:
            return None
    return total


def fits_one_sms(text: str) -> bool:
    length = gsm7_length(text)
    return length is not None and length <= SMS_LIMIT


def language(booking: Booking) -> str:
    """The booking's language when bookings store one, else its page's default, else
    ``LANGUAGE_CODE`` (neither field exists yet: read them only if they do)."""
    page = booking.meeting_type.page
    return (
        getattr(booking, "language", "") or getattr(page, "language", "") or settings.LANGUAGE_CODE
    )


def manage_link(booking: Booking) -> ManageLink | None:
    try:
        return booking.manage_link
    except ManageLink.DoesNotExist:
        return None


def fields(booking: Booking, recipient: str) -> dict[str, Any]:
    """What a meeting type's templates may use: ``{{ name }}``, ``{{ meeting_type }}``,
    ``{{ seller }}``, ``{{ business }}``, ``{{ when }}``, ``{{ join }}``, ``{{ manage_url }}``."""
    zone = str(
        booking.timezone if recipient == Reminder.Recipient.PROSPECT else booking.seller.timezone
    )
    moment = messages.when(booking.start, booking.end, zone)
    link = manage_link(booking)
    return {
        "name": booking.name,
        "meeting_type": booking.meeting_type.name,
        "seller": booking.seller.name,
        "business": booking.meeting_type.page.name,
        "when": str(moment),
        "when_parts": moment,
        "join": messages.location_text(booking),
        "manage_url": link.url if link and recipient == Reminder.Recipient.PROSPECT else "",
    }


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """Templates are compiled once per process (a sweep renders the same few thousands of
    times)."""
    return Template(source)


def _render(source: str, context: dict[str, Any]) -> str:
    return _compiled(source).render(Context(context, autoescape=False)).strip()


def _defaults(kind: str, recipient: str) -> tuple[str, str]:
    """The built-in subject and body templates of a kind of message."""
    if kind == Reminder.Kind.FOLLOW_UP:
        return (
            _("Thank you for meeting {{ seller }}"),
            _("Hello {{ name }},\n\nthank you for your {{ meeting_type }} with {{ seller }}.")
            + "\n\n{{ business }}",
        )
    if kind == Reminder.Kind.OUTCOME_PROMPT:
        return (
            _("How did your {{ meeting_type }} with {{ name }} go?"),
            _("Your {{ meeting_type }} with {{ name }} has ended. One click records it:"),
        )
    if recipient == Reminder.Recipient.SELLER:
        return (
            _("Reminder: {{ meeting_type }} with {{ name }}, {{ when }}"),
            _("Your {{ meeting_type }} with {{ name }} is coming up."),
        )
    return (
        _("Reminder: {{ meeting_type }} with {{ seller }}, {{ when }}"),
        _("Hello {{ name }},\n\nyour {{ meeting_type }} with {{ seller }} is coming up."),
    )


def _templates(reminder: Reminder) -> tuple[str, str]:
    meeting_type = reminder.booking.meeting_type
    subject, body = _defaults(reminder.kind, reminder.recipient)
    if reminder.kind == Reminder.Kind.FOLLOW_UP:
        return meeting_type.follow_up_subject or subject, meeting_type.follow_up_body or body
    if (
        reminder.kind == Reminder.Kind.REMINDER
        and reminder.recipient == Reminder.Recipient.PROSPECT
    ):
        return (
            meeting_type.reminder_email_subject or subject,
            meeting_type.reminder_email_body or body,
        )
    return subject, body


def email(reminder: Reminder) -> OutgoingEmail:
    """The reminder's email to its recipient, times in the recipient's zone."""
    booking = reminder.booking
    with translation.override(language(booking)):
        return _email(reminder, booking)


def _email(reminder: Reminder, booking: Booking) -> OutgoingEmail:
    to_seller = reminder.recipient == Reminder.Recipient.SELLER
    context = fields(booking, reminder.recipient)
    subject_source, body_source = _templates(reminder)
    is_reminder = reminder.kind == Reminder.Kind.REMINDER
    page = {
        "subject": _render(subject_source, context).replace("\n", " "),
        "body": _render(body_source, context),
        "show_details": is_reminder,
        "when": context["when_parts"],
        "location": context["join"],
        "join_url": booking.meeting_url,
        "host_url": booking.video_host_url if to_seller and is_reminder else "",
        "manage_url": context["manage_url"] if is_reminder else "",
        "with_invite": is_reminder and not to_seller,
        "completed_url": "",
        "no_show_url": "",
    }
    if reminder.kind == Reminder.Kind.OUTCOME_PROMPT:
        page["completed_url"] = links.outcome_url(booking.pk, "completed")
        page["no_show_url"] = links.outcome_url(booking.pk, "no_show")
    attachments: tuple[Attachment, ...] = ()
    if page["with_invite"]:
        description = "\n".join(filter(None, [context["join"], context["manage_url"]]))
        content = ics.build_invite(
            booking, method=ics.REQUEST, description=description, location=context["join"]
        )
        attachments = (Attachment("invite.ics", content, ics.mimetype(ics.REQUEST)),)
    return OutgoingEmail(
        to=booking.seller.email if to_seller else booking.email,
        subject=page["subject"],
        text=render_to_string("bookings/email/reminder.txt", page).strip() + "\n",
        html=render_to_string("bookings/email/reminder.html", page),
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=(booking.email,) if to_seller else (booking.seller.email,),
        attachments=attachments,
        # Which row a message came from, for support and for telling duplicates apart.
        headers={"X-Meetroute-Reminder": str(reminder.pk)} if reminder.pk else {},
    )


def sms(reminder: Reminder) -> str:
    """The reminder text: one GSM-7 segment (≤ 160) when any variant fits, else the
    shortest. A meeting type's own SMS template is used as written."""
    booking = reminder.booking
    with translation.override(language(booking)):
        context = _sms_context(booking)
        custom = booking.meeting_type.reminder_sms_body
        if custom:
            return _render(custom, context)
        variants = [
            _("{business}: {meeting_type} with {seller}, {time} ({zone}). {join}Manage: {link}"),
            _("{business}: {meeting_type} with {seller}, {time} ({zone}). Manage: {link}"),
            _("{business}: {meeting_type}, {time} {abbr}. Manage: {link}"),
            _("{business}: meeting {time} {abbr}. {link}"),
        ]
        texts = [v.format(**context).replace("  ", " ") for v in variants]
    return next((text for text in texts if fits_one_sms(text)), min(texts, key=len))


def _sms_context(booking: Booking) -> dict[str, str]:
    local = booking.start.astimezone(zoneinfo.ZoneInfo(str(booking.timezone)))
    link = manage_link(booking)
    abbr = local.tzname() or ""
    return {
        "business": booking.meeting_type.page.name,
        "meeting_type": booking.meeting_type.name,
        "seller": booking.seller.name,
        "name": booking.name,
        "time": formats.date_format(local, "D j M H:i"),
        "zone": str(booking.timezone),
        "abbr": abbr if abbr.isalpha() else f"UTC{abbr}" if abbr else "",
        "join": f"{booking.meeting_url} " if booking.meeting_url else "",
        "link": links.short_url(booking.pk) if link else "",
    }
