"""Sending due reminders: claim a batch, send each at most once, mark it.

A sweep (Celery beat, every minute) claims due rows with ``SELECT … FOR UPDATE SKIP
LOCKED`` — two sweeps racing get disjoint batches — marks them ``sending`` under a claim
id with a lease, commits, then sends them one by one in claim order, marking each row
(one UPDATE, fenced by the claim id) right after the provider accepts it. The batch re-reads its
bookings' status and sequence (one query) before the first send and every two seconds, so
a booking cancelled or moved after the claim is not reminded of its old time.

A worker killed mid-batch leaves rows ``sending`` past their lease; the next sweep takes
them back (``reclaim``). Which one was in flight is known from a marker in the cache
(``reminders:inflight:<claim>``: the id being sent, 0 before the first send): that row —
and any unmarked row before it, whose mark a database crash lost — may have reached the
provider, so it is failed with a reason instead of sent twice (staff can "send now"); the
rows after it go back to ``planned``. Without the marker (the cache lost it) the first
unsent row of the claim is treated as the one in flight. At most once, never twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, Reminder
from bookings.outbox import sms as outbox_sms
from bookings.outbox.worker import backoff_seconds
from bookings.reminders import content
from bookings.reminders.plan import still_wanted
from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.email.fallback import ChannelError, FallbackSender
from integrations.sms.base import SmsSender

logger = logging.getLogger(__name__)
Status = Reminder.Status
UNCERTAIN = "interrupted while sending: not resent, it may have gone out (use send now)"
# Stop sending a batch this long before its lease ends: past the lease it is someone else's.
LEASE_MARGIN = dt.timedelta(seconds=15)
MARKER_TTL = 7 * 24 * 3600
# How stale the batch's view of its bookings may get before it is read again.
REFRESH_EVERY = dt.timedelta(seconds=2)


@dataclass
class Senders:
    email: FallbackSender
    sms: SmsSender

    @classmethod
    def default(cls) -> Senders:
        return cls(FallbackSender.from_settings(), outbox_sms.default_sender())


@dataclass
class Claim:
    id: uuid.UUID
    until: dt.datetime
    rows: list[Reminder] = field(default_factory=list)


def _marker(claim_id: uuid.UUID | None) -> str:
    return f"reminders:inflight:{claim_id}"


def sweep(*, senders: Senders | None = None, budget_seconds: float = 50.0) -> Counter[str]:
    """Send every due reminder (batches until none is due or the budget is spent)."""
    senders = senders or Senders.default()
    totals: Counter[str] = Counter(reclaimed=reclaim())
    started = timezone.now()
    with _marks_without_fsync():
        while (timezone.now() - started).total_seconds() < budget_seconds:
            claim = claim_due()
            if claim is None:
                break
            totals.update(run(claim, senders))
    return totals


@contextmanager
def _marks_without_fsync() -> Iterator[None]:
    """PostgreSQL ``synchronous_commit = off`` for this session's marks: a mark is the one
    write per reminder and its fsync dominated the hot path. A mark lost in a database
    crash sends nothing twice: ``reclaim`` treats every row sent before the in-flight
    marker as uncertain. Claims stay synchronous (``SET LOCAL`` in ``_claim``)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def claim_due(*, limit: int | None = None) -> Claim | None:
    """Claim up to ``limit`` due rows (oldest first) for this worker; None when none is due."""
    due = Reminder.objects.filter(status=Status.PLANNED, due_at__lte=timezone.now())
    return _claim(due, limit or settings.REMINDER_BATCH_SIZE)


def send_now(*, reminder_id: int, senders: Senders | None = None) -> str | None:
    """Staff's "send now" for a failed row: claim it and send it at once; the new status,
    or None when it is not failed (any more)."""
    claim = _claim(Reminder.objects.filter(pk=reminder_id, status=Status.FAILED), 1)
    if claim is None:
        return None
    return send_one(claim.rows[0], senders or Senders.default(), claim_id=claim.id, stopped=None)


def _claim(rows: QuerySet[Reminder], limit: int) -> Claim | None:
    now = timezone.now()
    claim = Claim(uuid.uuid4(), now + dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # a lost claim could send twice: durable
                cursor.execute("SET LOCAL synchronous_commit TO on")
        claim.rows = list(
            rows.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "booking__seller", "booking__meeting_type__page", "booking__manage_link"
            )
            .order_by("due_at", "id")[:limit]
        )
        if not claim.rows:
            return None
        Reminder.objects.filter(id__in=[row.id for row in claim.rows]).update(
            status=Status.SENDING,
            claim=claim.id,
            claimed_until=claim.until,
            attempts=F("attempts") + 1,
        )
    cache.set(_marker(claim.id), 0, MARKER_TTL)
    for row in claim.rows:
        row.status, row.claim, row.claimed_until = Status.SENDING, claim.id, claim.until
        row.attempts += 1
    return claim


def run(claim: Claim, senders: Senders) -> Counter[str]:
    """Send the claimed rows in order; one UPDATE per row after its send."""
    phones = [r.booking.phone for r in claim.rows if r.channel == Reminder.Channel.SMS]
    stopped = outbox_sms.stopped_numbers(phones) if phones else set()
    outcomes: Counter[str] = Counter()
    fresh_at = None
    for index, row in enumerate(claim.rows):
        now = timezone.now()
        if fresh_at is None or now - fresh_at >= REFRESH_EVERY:
            _refresh_bookings(claim)
            fresh_at = now
        if now >= claim.until - LEASE_MARGIN:
            rest = [r.id for r in claim.rows[index:]]
            Reminder.objects.filter(id__in=rest, claim=claim.id, status=Status.SENDING).update(
                status=Status.PLANNED, claim=None, claimed_until=None
            )
            outcomes["released"] += len(rest)
            break
        outcomes[send_one(row, senders, claim_id=claim.id, stopped=stopped)] += 1
    return outcomes


def _refresh_bookings(claim: Claim) -> None:
    """Re-read the status and sequence of the batch's bookings (one query): a booking
    cancelled or moved after the claim must not get the old reminder."""
    state = {
        pk: (status, sequence)
        for pk, status, sequence in Booking.objects.filter(
            pk__in={row.booking_id for row in claim.rows}
        ).values_list("pk", "status", "sequence")
    }
    for row in claim.rows:
        row.booking.status, row.booking.sequence = state.get(row.booking_id, ("gone", -1))


def send_one(
    row: Reminder, senders: Senders, *, claim_id: uuid.UUID, stopped: set[str] | None
) -> str:
    """Send one claimed row and record the outcome; returns the new status."""
    reason = still_wanted(row)
    if reason:
        return _mark(row, claim_id, status=Status.WITHDRAWN, reason=reason)
    cache.set(_marker(claim_id), row.id, MARKER_TTL)
    try:
        message_id = _deliver(row, senders, stopped)
    except ChannelError as exc:
        if exc.pin:  # the ESP may have the message: another try could send it twice
            return _mark(row, claim_id, status=Status.FAILED, reason=f"{UNCERTAIN}: {exc}"[:300])
        return _retry(row, claim_id, exc)
    except ProviderTransientError as exc:
        return _retry(row, claim_id, exc)
    except ProviderPermanentError as exc:
        return _mark(row, claim_id, status=Status.FAILED, reason=str(exc)[:300])
    if message_id is None:
        return _mark(row, claim_id, status=Status.SKIPPED, reason="the number opted out (STOP)")
    return _mark(
        row,
        claim_id,
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=message_id,
        delivery_status="accepted",
        reason="",
    )


def _deliver(row: Reminder, senders: Senders, stopped: set[str] | None) -> str | None:
    """The provider's message id ('' when it gives none); None: not sent (opted out)."""
    if row.channel == Reminder.Channel.SMS:
        return outbox_sms.send_sms(
            row.booking.phone,
            content.sms(row),
            sender=senders.sms,
            status_callback=settings.BASE_URL + reverse("twilio-sms-status"),
            stopped=stopped,
        )
    return senders.email.deliver(content.email(row)).message_id or ""


def _retry(row: Reminder, claim_id: uuid.UUID, exc: ProviderTransientError) -> str:
    if row.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        return _mark(row, claim_id, status=Status.FAILED, reason=str(exc)[:300])
    delay = max(exc.retry_after or 0.0, backoff_seconds(row.attempts))
    return _mark(
        row,
        claim_id,
        status=Status.PLANNED,
        due_at=timezone.now() + dt.timedelta(seconds=delay),
        reason=f"retrying: {exc}"[:300],
    )


def _mark(row: Reminder, claim_id: uuid.UUID, *, status: str, **fields: object) -> str:
    """Record the outcome if the row is still this claim's (fencing: a reclaimed row is not)."""
    updated = Reminder.objects.filter(pk=row.pk, claim=claim_id, status=Status.SENDING).update(
        status=status, claim=None, claimed_until=None, **fields
    )
    if not updated:
        logger.warning(
            "reminder %s: claim %s was taken back before it was marked", row.pk, claim_id
        )
    return status


def reclaim() -> int:
    """Take back the rows of claims whose lease ran out (their worker was killed)."""
    with transaction.atomic():
        stale = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, claimed_until__lt=timezone.now())
            .order_by("due_at", "id")
            .values_list("id", "claim", "due_at")
        )
        if not stale:
            return 0
        uncertain = {
            row_id for claim in {c for _, c, _ in stale} for row_id in _attempted(claim, stale)
        }
        Reminder.objects.filter(id__in=uncertain).update(
            status=Status.FAILED, reason=UNCERTAIN, claim=None, claimed_until=None
        )
        back = [row_id for row_id, _, _ in stale if row_id not in uncertain]
        Reminder.objects.filter(id__in=back).update(
            status=Status.PLANNED, claim=None, claimed_until=None
        )
    logger.warning("reminders: took back %d stale row(s), %d uncertain", len(stale), len(uncertain))
    return len(stale)


def _attempted(
    claim: uuid.UUID | None, stale: list[tuple[int, uuid.UUID | None, dt.datetime]]
) -> list[int]:
    """The stale rows of ``claim`` that may have reached the provider: the one in flight
    and any before it in claim order (a mark lost with the database). Rows after it were
    never tried."""
    mine = [((due_at, row_id), row_id) for row_id, c, due_at in stale if c == claim]
    try:
        marker = cache.get(_marker(claim))
    except Exception:  # the cache is down: assume the worst, at most once
        logger.exception("reminders: in-flight marker of claim %s unreadable", claim)
        marker = None
    if marker == 0:
        return []
    if marker is None:  # unknown progress: the first unsent row may be in flight
        return [mine[0][1]]
    due_at = Reminder.objects.filter(pk=marker).values_list("due_at", flat=True).first()
    if due_at is None:
        return [mine[0][1]]
    return [row_id for key, row_id in mine if key <= (due_at, marker)]
