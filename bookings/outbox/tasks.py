"""Celery tasks of the outbox: thin, they call the worker module."""

from celery import shared_task

from bookings.outbox import worker


@shared_task(name="integrations.run_sync_job", ignore_result=True)
def run_sync_job(*, job_id: str) -> None:
    """Run one outbox job if it is still due; safe to deliver twice."""
    worker.run_job(job_id=job_id)


@shared_task(name="integrations.sweep_sync_jobs", ignore_result=True)
def sweep_sync_jobs() -> None:
    """Every minute (django-celery-beat): enqueue every due job, so a lost message, a
    killed worker or a retry whose time has come loses nothing."""
    worker.sweep_due_jobs()
