"""Celery tasks of the outbox: thin, they call the worker module.

Their names keep the ``integrations.`` prefix they were first registered under: messages
already queued and the beat schedule (integrations migration 0002) name them so.
"""

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
    sweep_due_jobs()


def sweep_due_jobs(*, limit: int = 500) -> int:
    """Enqueue a run of every due job (a lost Celery message, a killed worker, a retry whose
    time has come); returns how many. Safe to run concurrently: claiming decides."""
    ids = worker.due_job_ids(limit=limit)
    for job_id in ids:
        run_sync_job.delay(job_id=job_id)
    return len(ids)
