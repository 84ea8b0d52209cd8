"""Writing the outbox: side work for a booking, recorded in the booking's own transaction.

Draining it is the workers' job (integrations.tasks); this module only decides which
targets a booking change concerns and records one pending job each.
"""

from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from integrations import registry
from integrations.models import SyncJob

# Payload keys a handler writes to record its progress on one change (the email handler's
# recipients already sent to). They never carry over to a job for a newer change.
PROGRESS_KEYS = ("sent_to", "message_ids", "delivered_by", "pinned")


# Payload keys holding secrets (the manage URL carries the plaintext manage token, which the
# booking itself stores only hashed): dropped from a job once it is done.
SECRET_KEYS = ("manage_url",)


def carried_payload(payload: dict) -> dict:
    """``payload`` without the progress keys: what a newer job for the same work inherits."""
    return {k: v for k, v in payload.items() if k not in PROGRESS_KEYS}


def enqueue_booking_sync(
    *, booking: Booking, action: str, payload: dict | None = None
) -> list[SyncJob]:
    """Record one pending job per enabled target for ``action`` (create, update, cancel).

    Must run inside the transaction that changed the booking. Idempotent: a pending job for
    the same booking, target and action is reused (``payload`` is merged into it). Workers
    are poked after commit.

    ``payload`` is what the handlers cannot read from the booking later, e.g.
    ``{"manage_url": …}``: only the manage token's hash is stored, so the link with the
    plaintext token exists only while the booking service holds it.
    """
    now = timezone.now()
    jobs = []
    for target in registry.targets_for(booking):
        job, created = SyncJob.objects.get_or_create(
            booking=booking,
            target=target,
            action=action,
            status=SyncJob.Status.PENDING,
            defaults={"not_before": now, "payload": dict(payload or {})},
        )
        if not created:
            # A newer change of the same kind while this one waits (e.g. a retry): it will
            # do the newer work, so earlier progress (emails sent for the older change) no
            # longer counts.
            merged = {**carried_payload(job.payload), **(payload or {})}
            if merged != job.payload:
                job.payload = merged
                job.save(update_fields=["payload", "updated_at"])
        jobs.append(job)
    if jobs:
        transaction.on_commit(lambda: _poke_workers([str(job.id) for job in jobs]))
    return jobs


def _poke_workers(job_ids: list[str]) -> None:
    from integrations.tasks import run_sync_job  # here: the tasks module imports this one

    for job_id in job_ids:
        run_sync_job.delay(job_id=job_id)
