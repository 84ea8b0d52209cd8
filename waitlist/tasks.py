"""Celery tasks of the waitlist: thin, each calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from waitlist.services import monitoring

logger = logging.getLogger(__name__)


@shared_task(name="waitlist.check_slots", ignore_result=True)
def check_slots() -> None:
    """Every minute (beat): one check tick of the monitored slots. With
    ``DISABLE_INTERNAL_CRONS`` an external scheduler runs the tick instead, so a beat
    entry still firing somewhere does nothing here."""
    if settings.DISABLE_INTERNAL_CRONS:
        logger.info("waitlist check skipped: DISABLE_INTERNAL_CRONS is on")
        return
    monitoring.run_tick()
