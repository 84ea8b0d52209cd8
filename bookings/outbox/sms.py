"""SMS: the ``send_sms`` service and the outbox handler for booking texts.

A job sends at most one text: the message sid lands in the job's payload (``message_ids``,
a progress key the outbox never carries to newer jobs) right after Twilio accepts it, and
a job that already has one returns at once. No text goes to a number that opted out
(``SmsOptOut``, written when it texts STOP; see bookings/reminders/inbound.py).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from bookings.models import Booking, SmsOptOut
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import secret
from bookings.outbox.record import after_side_effect
from integrations.base import ProviderPermanentError
from integrations.sms.base import SentSms, SmsSender

logger = logging.getLogger(__name__)

_fake_sender: SmsSender | None = None


def default_sender() -> SmsSender:
    """Twilio when configured, else an in-memory sender that logs (the embedded default)."""
    if settings.TWILIO_ACCOUNT_SID:
        from integrations.sms.twilio import TwilioSms

        return TwilioSms.from_settings()
    global _fake_sender
    if _fake_sender is None:
        from integrations.sms.fake import FakeSms

        _fake_sender = FakeSms()
    return _fake_sender


def e164(phone: str) -> str:
    """``phone`` as E.164, or ProviderPermanentError: no retry makes a bad number good."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException as exc:
        raise ProviderPermanentError("twilio", f"not an E.164 number: {phone!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ProviderPermanentError("twilio", f"not a valid phone number: {phone!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def stopped_numbers(phones: list[str]) -> set[str]:
    """Which of ``phones`` (as E.164) opted out; one query for a whole batch."""
    numbers = set()
    for phone in phones:
        try:
            numbers.add(e164(phone))
        except ProviderPermanentError:
            continue
    return set(SmsOptOut.objects.filter(number__in=numbers).values_list("number", flat=True))


def send_sms(
    to: str,
    body: str,
    *,
    sender: SmsSender | None = None,
    status_callback: str = "",
    stopped: set[str] | None = None,
) -> str | None:
    """Send one text now and return its message sid, or None when the number opted out
    (STOP): no text of any kind goes to it. ``stopped``: the opted-out numbers when the
    caller looked them up for a batch (else one query here). Not idempotent: callers that
    may run twice record the sid and check it first (as ``handle`` does)."""
    number = e164(to)
    if number in (stopped if stopped is not None else stopped_numbers([number])):
        logger.info("SMS to %s not sent: the number opted out", number)
        return None
    sent: SentSms = (sender or default_sender()).send(number, body, status_callback=status_callback)
    return sent.sid


def booking_text(booking: Booking, action: str, manage_url: str = "") -> str:
    """The text for a booking change, in the prospect's timezone and language."""
    with translation.override(booking.language):
        return _text(booking, action, manage_url)


def _text(booking: Booking, action: str, manage_url: str) -> str:
    when = booking.start.astimezone(ZoneInfo(str(booking.timezone)))
    values = {
        "what": _("%(meeting)s with %(seller)s")
        % {"meeting": booking.meeting_type.name, "seller": booking.seller.name},
        "when": f"{date_format(when, 'D d M H:i')} ({booking.timezone})",
    }
    if action == "cancel":
        return _("Cancelled: %(what)s on %(when)s.") % values
    if action == "update":
        parts = [_("Rescheduled: %(what)s on %(when)s.") % values]
    else:
        parts = [_("Confirmed: %(what)s on %(when)s.") % values]
    if booking.meeting_url:
        parts.append(_("Join: %(url)s") % {"url": booking.meeting_url})
    elif booking.location:
        parts.append(_("Where: %(place)s") % {"place": booking.location})
    if manage_url:
        parts.append(_("Change or cancel: %(url)s") % {"url": manage_url})
    return " ".join(parts)


def handle(job: SyncJob, sender: SmsSender | None = None) -> None:
    """Text the prospect about the booking change in ``job``; at most once per job."""
    if job.payload.get("message_ids"):
        return
    booking = (
        Booking.objects.select_related("meeting_type", "seller").filter(pk=job.booking_pk).first()
    )
    if booking is None or not booking.phone:
        return
    body = booking_text(booking, job.action, secret(job.payload, "manage_url"))
    sid = send_sms(booking.phone, body, sender=sender)
    if sid is None:
        return

    def record() -> dict:
        fresh = SyncJob.objects.filter(pk=job.pk).values_list("payload", flat=True).first()
        payload = {**(fresh or {}), "message_ids": [sid]}
        SyncJob.objects.filter(pk=job.pk).update(payload=payload)
        return payload

    job.payload = after_side_effect(record)
