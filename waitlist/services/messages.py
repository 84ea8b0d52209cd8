"""The waitlist's texts, in the entry's language (the page's), sent after commit.

Texts are gettext messages of this app (``waitlist/locale``); dates and times use
translated formats, so French reads "15/01 à 19h30" as in the design. Every text carries
its link whole and fits in two SMS segments.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from bookings.outbox.sms import stopped_numbers
from waitlist.models import WaitlistEntry


def may_text(phone: str) -> bool:
    """Whether ``phone`` may get texts: not after a STOP (bookings keeps the opt-outs, and
    its ``send_sms`` refuses them too; asking first saves the token and the message)."""
    return bool(phone) and not stopped_numbers([phone])


def language_of(entry: WaitlistEntry) -> str:
    return entry.language or settings.LANGUAGE_CODE


def _when(entry: WaitlistEntry, start: dt.datetime) -> tuple[str, str]:
    local = start.astimezone(ZoneInfo(str(entry.timezone)))
    # Translators: day and month of a waitlist text (strftime), e.g. 15/01 in French.
    date = local.strftime(_("%m/%d"))
    # Translators: a time of a waitlist text (strftime), e.g. 19h30 in French.
    return date, local.strftime(_("%H:%M"))


def registration_text(entry: WaitlistEntry, link: str) -> str:
    with translation.override(language_of(entry)):
        date, time = _when(entry, entry.requested_slot)
        return _(
            "You are on the waiting list for %(date)s at %(time)s. "
            "Choose the times that suit you: %(link)s"
        ) % {"date": date, "time": time, "link": link}


def offer_text(entry: WaitlistEntry, start: dt.datetime, minutes: int, link: str) -> str:
    with translation.override(language_of(entry)):
        date, time = _when(entry, start)
        return _(
            "Good news! Your slot on %(date)s at %(time)s is now available. "
            "Confirm within %(minutes)s min: %(link)s"
        ) % {"date": date, "time": time, "minutes": minutes, "link": link}


def expired_text(entry: WaitlistEntry) -> str:
    with translation.override(language_of(entry)):
        date, time = _when(entry, entry.requested_slot)
        return _(
            "Sorry, no place freed up for %(date)s at %(time)s. You are off the waiting list."
        ) % {"date": date, "time": time}


def send_after_commit(entry: WaitlistEntry, body: str) -> None:
    """Queue ``body`` to ``entry``'s phone once the transaction commits (nothing is sent
    for a rolled-back offer)."""
    from waitlist.tasks import send_text

    entry_id = str(entry.pk)
    transaction.on_commit(lambda: send_text.delay(entry_id=entry_id, body=body))
