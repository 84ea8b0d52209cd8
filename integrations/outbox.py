"""Writing the outbox: side work for a booking, recorded in the booking's own transaction.

Draining it is the workers' job (integrations.tasks); this module only decides which
targets a booking change concerns and records one pending job each.
"""

from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from integrations import registry
from integrations.models import SyncJob


def enqueue_booking_sync(*, booking: Booking, action: str) -> list[SyncJob]:
    """Record one pending job per enabled target for ``action`` (create, update, cancel).

    Must run inside the transaction that changed the booking. Idempotent: a pending job for
    the same booking, target and action is reused. Workers are poked after commit.
    """
    now = timezone.now()
    jobs = []
    for target in registry.targets_for(booking):
        job, _ = SyncJob.objects.get_or_create(
            booking=booking,
            target=target,
            action=action,
            status=SyncJob.Status.PENDING,
            defaults={"not_before": now},
        )
        jobs.append(job)
    if jobs:
        transaction.on_commit(lambda: _poke_workers([str(job.id) for job in jobs]))
    return jobs


def _poke_workers(job_ids: list[str]) -> None:
    from integrations.tasks import run_sync_job  # here: the tasks module imports this one

    for job_id in job_ids:
        run_sync_job.delay(job_id=job_id)
