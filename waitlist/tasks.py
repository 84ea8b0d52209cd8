"""Celery tasks of the waitlist: thin, each calls one service."""

from __future__ import annotations

import hashlib
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from bookings.outbox.sms import send_sms
from integrations import shared_cache
from integrations.base import ProviderTransientError
from waitlist.models import WaitlistEntry
from waitlist.services import messages, monitoring, offers

logger = logging.getLogger(__name__)


@shared_task(
    name="waitlist.send_text",
    ignore_result=True,
    autoretry_for=(ProviderTransientError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_text(*, entry_id: str, body: str) -> None:
    """Text ``body`` to the entry's phone unless it opted out; a second delivery of the same
    message sends nothing (a cache mark, set only once the provider accepted it). With
    Redis down the text still goes (an offer nobody hears of is lost time for everyone on
    the list); only the guard against a redelivered duplicate is missing then."""
    entry = WaitlistEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        logger.warning("Waitlist entry %s not found for a text", entry_id)
        return
    mark = "waitlist-sms:" + hashlib.sha256(f"{entry_id}\x00{body}".encode()).hexdigest()
    try:
        with shared_cache.guard("waitlist text mark"):
            sent = cache.get(mark)
    except shared_cache.Unavailable:
        sent = None
    if sent or not messages.may_text(entry.phone):
        return
    sid = send_sms(entry.phone, body)
    WaitlistEntry.objects.filter(pk=entry_id).update(sms_message_sid=sid)
    try:
        with shared_cache.guard("waitlist text mark"):
            cache.set(mark, sid, timeout=7 * 24 * 3600)
    except shared_cache.Unavailable:
        pass


@shared_task(name="waitlist.sweep_lapsed_offers", ignore_result=True)
def sweep_lapsed_offers() -> None:
    """Every minute (django-celery-beat): offers whose hold lapsed go to the next entry."""
    offers.sweep_lapsed_offers()


@shared_task(name="waitlist.check_slots", ignore_result=True)
def check_slots() -> None:
    """Every minute (beat): one check tick of the monitored slots. With
    ``DISABLE_INTERNAL_CRONS`` an external scheduler runs the tick instead, so a beat
    entry still firing somewhere does nothing here."""
    if settings.DISABLE_INTERNAL_CRONS:
        logger.info("waitlist check skipped: DISABLE_INTERNAL_CRONS is on")
        return
    monitoring.run_tick()
