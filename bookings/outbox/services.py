"""Writing the outbox: side work for a booking, recorded in the booking's own transaction,
and staff retries of failed work.

Draining it is the workers' job (``tasks`` → ``worker``); this module decides which targets
a booking change concerns, records one pending job each, and pokes the workers after
commit.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

from django.db import transaction
from django.utils import timezone

from bookings import sync_status as booking_sync
from bookings.changes import BookingChange
from bookings.models import Booking
from bookings.outbox import registry
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import carried_payload, seal
from bookings.outbox.tasks import run_sync_job
from bookings.outbox.worker import flag_of
from config import sqlbatch

Status = SyncJob.Status
logger = logging.getLogger(__name__)
Target = SyncJob.Target


def enqueue_booking_sync(
    *,
    booking: Booking,
    action: str,
    payload: dict | None = None,
    only: Collection[str] | None = None,
    new_booking: bool = False,
) -> list[SyncJob]:
    """Record one pending job per enabled target for ``action`` (create, update, cancel);
    ``only`` narrows the targets (those not enabled still get none).

    Must run inside the transaction that changed the booking. Idempotent: a pending job for
    the same booking, target and action is reused (``payload`` is merged into it). Workers
    are poked after commit. ``new_booking``: the booking was inserted in this transaction,
    so no job of it can be waiting: one INSERT (queued inside ``sqlbatch.collecting()``),
    nothing read back.

    ``payload`` is what the handlers cannot read from the booking later, e.g.
    ``{"manage_url": …}``: only the manage token's hash is stored, so the link with the
    plaintext token exists only while the booking service holds it; secret keys are stored
    sealed (``payload.seal``) and read back with ``payload.secret``.
    """
    now = timezone.now()
    payload = seal(payload or {})
    wanted = [
        SyncJob(
            booking=booking,
            target=target,
            action=action,
            status=Status.PENDING,
            not_before=now,
            payload=dict(payload),
        )
        for target in registry.targets_for(booking)
        if only is None or target in only
    ]
    if not wanted:
        return []
    if new_booking:
        sqlbatch.insert(SyncJob, wanted)
        _poke_workers([str(job.id) for job in wanted])
        return wanted
    # One INSERT … ON CONFLICT DO NOTHING (the partial unique constraint on pending jobs)
    # and one read of what is pending now: rows with our new ids were inserted, the others
    # were waiting already.
    SyncJob.objects.bulk_create(wanted, ignore_conflicts=True)
    new_ids = {job.pk for job in wanted}
    jobs = list(
        SyncJob.objects.filter(
            booking=booking,
            action=action,
            status=Status.PENDING,
            target__in=[job.target for job in wanted],
        )
    )
    for job in jobs:
        if job.pk not in new_ids:
            _merge_payload(job, payload)
    _poke_workers([str(job.id) for job in jobs])
    return jobs


def _merge_payload(job: SyncJob, payload: dict) -> None:
    """A newer change of the same kind while this job waits (e.g. a retry): it will do the
    newer work, so earlier progress (emails sent for the older change) no longer counts."""
    merged = {**carried_payload(job.payload), **payload}
    if merged != job.payload:
        job.payload = merged
        job.save(update_fields=["payload", "updated_at"])


def enqueue_job(
    *, target: str, action: str, payload: dict, max_attempts: int | None = None
) -> SyncJob:
    """Record one pending job without a booking, for a target registered with
    ``handlers.register_handler`` (webhooks); workers are poked after commit. Not
    idempotent: every call is one more job (the caller keeps its own row per job)."""
    job = SyncJob.objects.create(
        target=target,
        action=action,
        payload=payload,
        not_before=timezone.now(),
        **({"max_attempts": max_attempts} if max_attempts else {}),
    )
    _poke_workers([str(job.pk)])
    return job


def sync_outcome(change: BookingChange) -> None:
    """``bookings.changes`` listener: a meeting marked completed or no-show updates the
    HubSpot meeting, whose ``hs_meeting_outcome`` follows the booking's status. (The
    other targets have nothing to show for it.)"""
    if change.kind in ("completed", "no_show"):
        enqueue_booking_sync(booking=change.booking, action="update", only={Target.HUBSPOT})


# --- retrying by hand ------------------------------------------------------------------
@transaction.atomic
def retry_job(job: SyncJob, *, actor: str = "system") -> SyncJob | None:
    """Make a failed job due now with fresh attempts and clear its booking's manual-sync flag.

    The failed row itself goes back to pending; if a pending job for the same booking,
    target and action already exists, that one is made due now instead (one pending each).
    Jobs that are not failed are left alone (returns None). Idempotent.
    """
    locked = SyncJob.objects.select_for_update().filter(pk=job.pk).first()
    if locked is None or locked.status != Status.FAILED:
        return None
    job = locked
    now = timezone.now()
    pending = (
        SyncJob.objects.filter(
            booking_id=job.booking_id, target=job.target, action=job.action, status=Status.PENDING
        ).first()
        if job.booking_id is not None
        else None  # a job without a booking is one of a kind: nothing stands in for it
    )
    if pending is None:
        job.status = Status.PENDING
        job.attempts = 0
        job.not_before = now
        job.locked_until = None
        job.finished_at = None
        job.save()
        runnable = job
    else:
        pending.not_before = now
        pending.payload = {**carried_payload(job.payload), **pending.payload}
        pending.save(update_fields=["not_before", "payload", "updated_at"])
        runnable = pending
    if job.booking_id is not None:
        booking_sync.clear_manual_sync(
            booking_id=job.booking_id,
            flag=flag_of(job.target),
            actor=actor,
            data={"retry": str(runnable.pk), "target": job.target, "action": job.action},
        )
    _poke_workers([str(runnable.pk)])
    return runnable


def retry_now(queryset: Iterable[SyncJob], *, actor: str = "system") -> int:
    """Admin "retry sync now": failed jobs are retried (``retry_job``), pending ones made due
    now; running and done jobs are left alone. Returns how many will run."""
    count = 0
    for job in queryset:
        if job.status == Status.FAILED:
            count += retry_job(job, actor=actor) is not None
        elif job.status == Status.PENDING:
            with transaction.atomic():
                changed = SyncJob.objects.filter(pk=job.pk, status=Status.PENDING).update(
                    not_before=timezone.now(), updated_at=timezone.now()
                )
                if changed:
                    _poke_workers([str(job.pk)])
            count += changed
    return count


def retry_failed(queryset: Iterable[SyncJob], *, actor: str = "system") -> int:
    """``retry_job`` for every failed job in ``queryset``; returns how many were retried."""
    return sum(1 for job in queryset if retry_job(job, actor=actor) is not None)


def retry_failed_for_bookings(bookings: Iterable[Booking], *, actor: str = "system") -> int:
    """Retry every failed job of these bookings (admin bulk action)."""
    ids = [b.pk for b in bookings]
    return retry_failed(
        SyncJob.objects.filter(booking_id__in=ids, status=Status.FAILED), actor=actor
    )


def _poke_workers(job_ids: list[str]) -> None:
    """Run these jobs once the surrounding transaction commits.

    A broker that cannot be reached loses only the poke: the jobs are committed, and the
    sweep sends them once the broker is back. The booking was made, so the request that
    made it must not fail (a client retrying a 500 would book twice without a key).
    """

    def poke() -> None:
        try:
            for job_id in job_ids:
                run_sync_job.delay(job_id=job_id)
        except Exception:
            logger.warning("outbox: broker unreachable, %d job(s) left to the sweep", len(job_ids))

    transaction.on_commit(poke)
