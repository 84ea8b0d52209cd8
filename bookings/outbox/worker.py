"""Draining the outbox: run one SyncJob, sweep for due ones, retry failed ones.

A job's life: ``pending`` (due at ``not_before``) → claimed ``running`` with a lease
(``locked_until``) → ``done``, back to ``pending`` with a later ``not_before`` (transient
error, or skipped while its provider's circuit is open), or ``failed`` (permanent error, or
out of attempts: the booking is flagged for manual sync).

Exactly-once effect, at-least-once delivery: claiming is a ``SELECT … FOR UPDATE SKIP
LOCKED`` of a due row, so two deliveries of the same job (Celery redelivery, the sweep and
the on-commit poke racing) cannot both run it; the second finds it running or done and
returns. The lease is the Celery hard time limit plus a margin, so a job whose worker was
killed becomes claimable again once the worker is surely gone, and the lease value doubles
as a fencing token: a worker only finishes the job if the row still carries its lease.
Handlers are idempotent on top of this (upserts keyed by our booking id), which covers the
window between a provider accepting a write and the outcome being committed.

The booking itself (sync flags, events) is written only through ``bookings.sync_status``.
This module never sends Celery messages: ``tasks`` (which imports it) and ``services`` do.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings import sync_status as booking_sync
from bookings.outbox import handlers
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import SECRET_KEYS, carried_payload
from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.circuit import CircuitBreaker

logger = logging.getLogger(__name__)

Status = SyncJob.Status

# Outcomes run_job reports (for tests and logs).
SKIPPED = "skipped"
DEFERRED = "deferred"
DONE = "done"
RETRY = "retry"
FAILED = "failed"
SUPERSEDED = "superseded"


def _lease() -> dt.timedelta:
    """How long a claim holds: past the Celery hard time limit the worker process running
    the job has been killed, so the job may be claimed again."""
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 300
    margin = getattr(settings, "SYNC_LEASE_MARGIN_SECONDS", 30)
    return dt.timedelta(seconds=limit + margin)


def backoff_seconds(attempts: int) -> float:
    """Full-jitter exponential backoff after the ``attempts``-th failure (1-based)."""
    base = float(getattr(settings, "SYNC_RETRY_BASE_SECONDS", 30))
    cap = float(getattr(settings, "SYNC_RETRY_CAP_SECONDS", 3600))
    return random.uniform(0, min(cap, base * 2 ** max(attempts - 1, 0)))


def _due(now: dt.datetime) -> Q:
    return Q(status=Status.PENDING, not_before__lte=now) | Q(
        status=Status.RUNNING, locked_until__lt=now
    )


# --- running one job -------------------------------------------------------------------
def run_job(*, job_id: str) -> str:
    """Run outbox job ``job_id`` if it is due; return what happened.

    Changes the job row, the booking's sync flags and its events, and calls the target's
    provider through its handler. Idempotent: a job that is not due (done, failed, running
    under a live lease, waiting for ``not_before``) or gone is left alone.
    """
    job = _claim(job_id)
    if job is None:
        return SKIPPED
    lease = job.locked_until
    breaker = CircuitBreaker(handlers.circuit_name(job))
    if not breaker.allow():
        until = breaker.retry_at()
        logger.info("job %s deferred to %s: circuit %s is open", job.pk, until, breaker.name)
        return _release(
            job, lease, DEFERRED, not_before=until, last_error=f"circuit {breaker.name} open"
        )
    try:
        handler = handlers.get_handler(job.target)
        handler(job)
    except ProviderTransientError as exc:
        breaker.record_failure()
        return _retry_or_fail(job, lease, str(exc), retry_after=exc.retry_after)
    except ProviderPermanentError as exc:
        # The provider answered: it is up, whatever it thought of this request.
        breaker.record_success()
        return _fail(job, lease, str(exc), reason="permanent")
    except handlers.HandlerUnavailable as exc:
        logger.error("job %s: %s", job.pk, exc)
        return _retry_or_fail(job, lease, str(exc), retry_after=None)
    except Exception as exc:  # a bug in our code: retry (a deploy may fix it), keep the trace
        logger.exception("job %s (%s) crashed", job.pk, job.target)
        return _retry_or_fail(job, lease, f"{type(exc).__name__}: {exc}", retry_after=None)
    breaker.record_success()
    return _succeed(job, lease)


def _claim(job_id: str) -> SyncJob | None:
    now = timezone.now()
    with transaction.atomic():
        # of=self: lock the job row only; a booking row locked by the booking service must
        # not make the job look taken.
        job = (
            SyncJob.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now), pk=job_id)
            .select_related("booking")
            .first()
        )
        if job is None:
            return None
        if job.status == Status.RUNNING:
            logger.warning(
                "job %s: reclaiming after an expired lease (%s)", job.pk, job.locked_until
            )
        job.status = Status.RUNNING
        job.locked_until = now + _lease()
        job.save(update_fields=["status", "locked_until", "updated_at"])
    return job


def _mine(job: SyncJob, lease: dt.datetime | None) -> QuerySet[SyncJob]:
    """The job row, only while it still carries our lease (the fencing token)."""
    return SyncJob.objects.filter(pk=job.pk, status=Status.RUNNING, locked_until=lease)


def _release(job: SyncJob, lease: dt.datetime | None, outcome: str, **fields: object) -> str:
    """Put the job back to pending. If another pending job for the same booking, target and
    action was enqueued meanwhile (one pending each, by constraint), that one will do this
    work: this one is closed as superseded and hands over its payload."""
    now = timezone.now()
    try:
        with transaction.atomic():
            changed = _mine(job, lease).update(
                status=Status.PENDING, locked_until=None, updated_at=now, **fields
            )
    except IntegrityError:
        return _supersede(job, lease)
    if not changed:
        logger.warning("job %s: lease lost before release, leaving it to its new owner", job.pk)
        return SKIPPED
    return outcome


def _supersede(job: SyncJob, lease: dt.datetime | None) -> str:
    now = timezone.now()
    with transaction.atomic():
        other = (
            SyncJob.objects.select_for_update()
            .filter(
                booking_id=job.booking_pk,  # only booking jobs share a pending slot
                target=job.target,
                action=job.action,
                status=Status.PENDING,
            )
            .first()
        )
        if other is not None:
            merged = {**carried_payload(job.payload), **other.payload}
            if merged != other.payload:
                other.payload = merged
                other.save(update_fields=["payload", "updated_at"])
        _mine(job, lease).update(
            status=Status.DONE,
            locked_until=None,
            finished_at=now,
            updated_at=now,
            last_error=f"superseded by job {other.pk if other else '?'}",
        )
    return SUPERSEDED


def _retry_or_fail(
    job: SyncJob, lease: dt.datetime | None, error: str, *, retry_after: float | None
) -> str:
    attempts = job.attempts + 1
    if attempts >= job.max_attempts:
        return _fail(job, lease, error, reason="out of attempts", attempts=attempts)
    delay = max(retry_after or 0.0, backoff_seconds(attempts))
    not_before = timezone.now() + dt.timedelta(seconds=delay)
    logger.info("job %s: attempt %d failed (%s); retry at %s", job.pk, attempts, error, not_before)
    return _release(
        job, lease, RETRY, attempts=attempts, not_before=not_before, last_error=error[:4000]
    )


def flag_of(target: str) -> str:
    """The booking flag pair a target's outcome sets (see ``handlers.FLAGS``)."""
    return handlers.FLAGS[target]


def _fail(
    job: SyncJob,
    lease: dt.datetime | None,
    error: str,
    *,
    reason: str,
    attempts: int | None = None,
) -> str:
    now = timezone.now()
    with transaction.atomic():
        changed = _mine(job, lease).update(
            status=Status.FAILED,
            attempts=attempts if attempts is not None else job.attempts + 1,
            locked_until=None,
            finished_at=now,
            updated_at=now,
            last_error=error[:4000],
        )
        if not changed:
            return SKIPPED
        if job.booking_id is None:  # a job of its own (webhook): its owner shows the failure
            logger.warning("job %s failed (%s): %s", job.pk, reason, error)
            return FAILED
        booking_sync.mark_sync_failed(
            booking_id=job.booking_id,
            flag=flag_of(job.target),
            data={
                "target": job.target,
                "action": job.action,
                "job": str(job.pk),
                "reason": reason,
                "error": error[:500],
            },
        )
    logger.warning(
        "job %s failed (%s): %s — booking flagged for manual sync", job.pk, reason, error
    )
    return FAILED


def _succeed(job: SyncJob, lease: dt.datetime | None) -> str:
    now = timezone.now()
    with transaction.atomic():
        row = _mine(job, lease).select_for_update().only("payload").first()
        if row is None:
            logger.warning("job %s: lease lost while running; its new owner will finish", job.pk)
            return SKIPPED
        # Done: the job no longer needs its secrets (the manage URL's plaintext token).
        payload = {k: v for k, v in row.payload.items() if k not in SECRET_KEYS}
        _mine(job, lease).update(
            status=Status.DONE,
            locked_until=None,
            finished_at=now,
            updated_at=now,
            last_error="",
            payload=payload,
        )
        if job.booking_id is None:
            return DONE
        flag = flag_of(job.target)
        # Targets sharing a flag (calendar and video): one's success does not clear the
        # other's failure. A failure of this same target is superseded by this success.
        siblings = [t for t, f in handlers.FLAGS.items() if f == flag and t != job.target]
        booking_sync.mark_synced(
            booking_id=job.booking_id,
            flag=flag,
            clear_manual_sync=not SyncJob.objects.filter(
                booking_id=job.booking_id, target__in=siblings, status=Status.FAILED
            ).exists(),
            data={"target": job.target, "action": job.action, "job": str(job.pk)},
        )
    return DONE


# --- finding due jobs ------------------------------------------------------------------
def due_job_ids(*, limit: int = 500) -> list[str]:
    """Ids of jobs due now: pending past ``not_before`` and running past their lease."""
    now = timezone.now()
    ids = SyncJob.objects.filter(_due(now)).order_by("not_before").values_list("pk", flat=True)
    return [str(pk) for pk in ids[:limit]]
