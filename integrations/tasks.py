"""Celery tasks of the outbox: thin, they call the worker module."""

from celery import shared_task

from integrations import worker


@shared_task(name="integrations.run_sync_job", ignore_result=True)
def run_sync_job(*, job_id: str) -> None:
    """Run one outbox job if it is still due; safe to deliver twice."""
    worker.run_job(job_id=job_id)
