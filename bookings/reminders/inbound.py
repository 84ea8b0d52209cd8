"""Two-way SMS: what a prospect's reply does, opt-outs, and delivery status callbacks.

Keywords follow Twilio's defaults (twilio.com/docs/messaging/tutorials/advanced-opt-out):
opt-out STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT; opt-in START, YES,
UNSTOP; help HELP, INFO. Twilio answers those itself, so we store the opt-out and say
nothing. Our own: C confirm (recorded), X cancel (the booking service), R the reschedule link.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingEvent, BookingStatus, Reminder, SmsMessage, SmsOptOut
from bookings.reminders import content, links
from bookings.services import NotActive, cancel_booking
from bookings.services.common import add_event

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})

# Twilio's message statuses in the order they happen; terminal ones share the last rank.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}


def booking_for(number: str, now: dt.datetime) -> Booking | None:
    """The number's next confirmed meeting (the one a reply is about)."""
    return (
        Booking.objects.select_related("seller", "meeting_type__page", "manage_link")
        .filter(phone=number, status=BookingStatus.CONFIRMED, end__gt=now)
        .order_by("start")
        .first()
    )


@transaction.atomic
def receive(*, number: str, body: str, sid: str) -> str:
    """Record an inbound text and act on it; returns the reply ('' for none). A webhook
    Twilio retries (same MessageSid) changes nothing the second time."""
    if sid and SmsMessage.objects.filter(sid=sid).exists():
        return ""
    now = timezone.now()
    booking = booking_for(number, now)
    word = " ".join(body.split()).upper()
    inbound = SmsMessage.objects.create(
        booking=booking, direction=SmsMessage.Direction.INBOUND, number=number, body=body, sid=sid
    )
    if word in OPT_OUT or word == "STOP ALL":
        SmsOptOut.objects.update_or_create(number=number, defaults={"keyword": word[:20]})
        return _done(inbound, "stop", "")
    if word in OPT_IN:
        SmsOptOut.objects.filter(number=number).delete()
        return _done(inbound, "start", "")
    if SmsOptOut.objects.filter(number=number).exists():
        return _done(inbound, "ignored", "")
    with translation.override(content.language(booking) if booking else None):
        action, reply = _act(booking, word, now)
    _done(inbound, action, reply)
    if reply:
        SmsMessage.objects.create(
            booking=booking, direction=SmsMessage.Direction.OUTBOUND, number=number, body=reply
        )
    return reply


def _act(booking: Booking | None, word: str, now: dt.datetime) -> tuple[str, str]:
    if booking is None:
        return "help", _("We found no upcoming meeting for this number.")
    when = formats.date_format(
        booking.start.astimezone(ZoneInfo(str(booking.timezone))), "D j M H:i"
    )
    if word == "C":
        add_event(booking, BookingEvent.Kind.NOTE, "prospect", sms="confirmed")
        return "confirm", _("Thanks, see you on %(when)s.") % {"when": when}
    if word == "X":
        try:
            cancel_booking(booking=booking, reason=_("Cancelled by SMS"), actor=None, now=now)
        except NotActive as exc:
            return "cancel_refused", str(exc)
        return "cancel", _("Your meeting on %(when)s is cancelled.") % {"when": when}
    if word == "R":
        if content.manage_link(booking) is None:
            return "reschedule", _("Please use the link in your confirmation email.")
        return "reschedule", _("Pick a new time: %(link)s") % {"link": links.short_url(booking.pk)}
    return "help", _(
        "Reply C to confirm, X to cancel or R to reschedule your meeting on %(when)s."
    ) % {"when": when}


def _done(inbound: SmsMessage, action: str, reply: str) -> str:
    inbound.action = action
    inbound.save(update_fields=["action"])
    return reply


@transaction.atomic
def record_status(*, sid: str, status: str) -> bool:
    """Move the delivery status of the reminder sent as ``sid`` forward (never back: the
    callbacks can arrive out of order). Returns whether it changed."""
    row = Reminder.objects.select_for_update().filter(provider_message_id=sid).first()
    if row is None or status not in STATUS_RANK:
        return False
    if STATUS_RANK[status] <= STATUS_RANK.get(row.delivery_status, -1):
        return False
    row.delivery_status = status
    row.save(update_fields=["delivery_status"])
    return True
