"""Celery tasks of the bookings app (thin: the services decide)."""

from celery import shared_task

from bookings.services import release_unconfirmed


@shared_task(name="bookings.release_unconfirmed", ignore_result=True)
def release_unconfirmed_bookings() -> None:
    """Every minute (django-celery-beat): free the time of bookings nobody confirmed."""
    release_unconfirmed()
