"""Celery tasks of reminders: thin, they call the sweep."""

import logging

from celery import shared_task

from bookings.reminders import sweep

logger = logging.getLogger(__name__)


@shared_task(name="bookings.sweep_reminders", ignore_result=True)
def sweep_reminders() -> None:
    """Every minute (django-celery-beat, bookings migration 0006): send every due
    reminder. Safe to run concurrently and twice: claiming decides."""
    totals = sweep.sweep()
    if totals:
        logger.info("reminders swept: %s", dict(totals))
