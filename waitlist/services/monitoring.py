"""Watching external calendars for the slots people wait for (seed design 003, item 4).

A slot whose business reads an external calendar (an enabled ``WaitlistCalendarConfig`` on
Google with an active connection and a selected calendar) carries its own
``next_check_at``, following the adaptive intervals of ``waitlist.intervals``. One tick —
the beat entry every minute, or ``POST /api/cron/waitlist-check`` — does:

1. one query for the active slots that are due or past; none → return (no provider call);
2. claims them (row locks, skip locked; the due ones get a short lease so a concurrent
   tick or a crashed worker never double-checks nor loses them) and expires the past ones;
3. asks free/busy once per Google account and ≤ 50 calendars (``sellers.calendar.freebusy``),
   over the span of that account's due slots;
4. a slot still covered by a busy block is rescheduled; a free one goes to ``slot_freed``.

Slots of our own bookings are not polled: a cancellation reaches the offer flow at once
through ``bookings.changes``. Those slots still expire here.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from integrations.base import ProviderError
from integrations.calendar.base import BusyBlock
from sellers.calendar import connections, freebusy
from sellers.models import CalendarConnection
from waitlist import intervals
from waitlist.models import WaitlistCalendarConfig, WaitlistEntry, WaitlistSlot
from waitlist.services import handoff

logger = logging.getLogger(__name__)

BEAT_TASK_NAME = "waitlist: check monitored slots"  # created by migration 0003
ACTIVE = (WaitlistSlot.Status.PENDING, WaitlistSlot.Status.MONITORING)
LEASE = dt.timedelta(minutes=5)  # a claimed slot is due again if its tick dies
Result = WaitlistSlot.CheckResult


@dataclass
class TickReport:
    """What one tick did; ``calls`` counts free/busy requests."""

    checked: int = 0
    free: int = 0
    busy: int = 0
    errors: int = 0
    expired: int = 0
    calls: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def external_q(prefix: str = "config__") -> Q:
    """Slots (or, with ``prefix=""``, configs) whose calendar is read from Google."""
    return Q(
        **{
            f"{prefix}provider": WaitlistCalendarConfig.Provider.GOOGLE_CALENDAR,
            f"{prefix}is_enabled": True,
            f"{prefix}connection__status": CalendarConnection.Status.ACTIVE,
        }
    ) & ~Q(**{f"{prefix}calendar_id": ""})


def claimable(now: dt.datetime) -> QuerySet[WaitlistSlot]:
    """Active slots that passed, or that are watched externally, due, and awaited."""
    waiting = WaitlistEntry.objects.filter(slot=OuterRef("pk"), status=WaitlistEntry.Status.PENDING)
    due = Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    return WaitlistSlot.objects.filter(status__in=ACTIVE).filter(
        Q(start__lte=now) | (external_q() & due & Exists(waiting))
    )


def run_tick(*, now: dt.datetime | None = None, limit: int | None = None) -> TickReport:
    """One check of every due slot (at most ``limit``, oldest due first).

    Calls Google free/busy; writes the slots' check fields, their configs' last sync and
    error, expires past slots and their entries, hands free slots to ``slot_freed``.
    Safe to run concurrently and twice: claimed rows are locked, then leased."""
    now = now or timezone.now()
    report = TickReport()
    if not claimable(now).exists():  # idle: this one query, no transaction, no provider
        return report
    due = _claim(now, limit or settings.WAITLIST_TICK_LIMIT, report)
    if due:
        _check(due, now, report)
    if report.checked or report.expired:
        logger.info("waitlist tick: %s", report.as_dict())
    return report


def _claim(now: dt.datetime, limit: int, report: TickReport) -> list[WaitlistSlot]:
    with transaction.atomic():
        slots = list(
            claimable(now)
            .select_related("config")  # connections (encrypted tokens) once per account below
            .select_for_update(skip_locked=True, of=("self",))
            .order_by(F("next_check_at").asc(nulls_first=True), "start")[:limit]
        )
        if not slots:
            return []
        past = [slot for slot in slots if slot.start <= now]
        due = [slot for slot in slots if slot.start > now]
        WaitlistSlot.objects.filter(pk__in=[slot.pk for slot in due]).update(
            next_check_at=now + LEASE
        )
        report.expired = expire_slots(past, now=now)
    return due


def expire_slots(slots: Sequence[WaitlistSlot], *, now: dt.datetime) -> int:
    """Mark past slots ``expired`` (no more checks) and their waiting or notified entries
    ``expired``; after commit ``handoff.tell_entries_expired`` tells those people.
    Idempotent (only active slots and live entries change). Returns slots expired."""
    ids = [slot.pk for slot in slots]
    if not ids:
        return 0
    expired = WaitlistSlot.objects.filter(pk__in=ids, status__in=ACTIVE).update(
        status=WaitlistSlot.Status.EXPIRED, next_check_at=None, updated_at=now
    )
    live = WaitlistEntry.objects.filter(
        slot_id__in=ids, status__in=[WaitlistEntry.Status.PENDING, WaitlistEntry.Status.NOTIFIED]
    )
    entry_ids = list(live.values_list("pk", flat=True))
    WaitlistEntry.objects.filter(pk__in=entry_ids).update(
        status=WaitlistEntry.Status.EXPIRED, updated_at=now
    )
    transaction.on_commit(lambda: handoff.tell_entries_expired(entry_ids))
    return expired


def _check(due: list[WaitlistSlot], now: dt.datetime, report: TickReport) -> None:
    by_account: dict[object, list[WaitlistSlot]] = defaultdict(list)
    for slot in due:
        by_account[slot.config.connection_id].append(slot)  # type: ignore[union-attr]
    accounts = CalendarConnection.objects.in_bulk(list(by_account))
    for connection_id, group in by_account.items():
        if connection_id in accounts:  # else deleted since the claim: due again after the lease
            _check_account(accounts[connection_id], group, now, report)


def _check_account(
    connection: CalendarConnection, group: list[WaitlistSlot], now: dt.datetime, report: TickReport
) -> None:
    """One Google account's due slots: free/busy per ≤ 50 calendars over their span."""
    calendars = sorted({slot.config.calendar_id for slot in group})  # type: ignore[union-attr]
    start, end = min(s.start for s in group), max(s.end for s in group)
    report.calls += len(list(freebusy.windows(start, end))) * len(list(freebusy.chunks(calendars)))
    try:
        provider = connections.provider_for(connection)
        with connections.guarded(connection):
            blocks, failed = freebusy.query(provider, calendars, start, end)
    except ProviderError as exc:
        logger.warning("waitlist free/busy for connection %s failed: %s", connection.pk, exc)
        _record(group, now, report, result=Result.ERROR, error=str(exc))
        _note_configs(group, now, error=str(exc))
        return
    busy = _busy_by_calendar(blocks)
    taken, free, broken = [], [], []
    for slot in group:
        calendar_id = slot.config.calendar_id  # type: ignore[union-attr]
        if calendar_id in failed:
            broken.append(slot)
        elif any(b.start < slot.end and b.end > slot.start for b in busy[calendar_id]):
            taken.append(slot)
        else:
            free.append(slot)
    _record(taken, now, report, result=Result.BUSY)
    _record(broken, now, report, result=Result.ERROR, error="the calendar could not be read")
    report.checked += len(free)
    report.free += slots_freed(free, now=now) if free else 0
    _note_configs([s for s in group if s not in broken], now, error="")
    _note_configs(broken, now, error="free/busy could not read the selected calendar")


def _busy_by_calendar(blocks: Iterable[BusyBlock]) -> dict[str, list[BusyBlock]]:
    busy: dict[str, list[BusyBlock]] = defaultdict(list)
    for block in blocks:
        busy[block.calendar_id].append(block)
    return busy


def _record(
    slots: Sequence[WaitlistSlot],
    now: dt.datetime,
    report: TickReport,
    *,
    result: str,
    error: str = "",
) -> None:
    """Store a check's outcome and each slot's next check (adaptive). Slots sharing a next
    check share one UPDATE: a few statements for a thousand slots, where ``bulk_update``'s
    per-row CASE took seconds."""
    groups: dict[tuple[dt.datetime, int], list[uuid.UUID]] = defaultdict(list)
    for slot in slots:
        override = slot.config.check_interval_minutes  # type: ignore[union-attr]
        groups[intervals.next_check(start=slot.start, now=now, override=override)].append(slot.pk)
    for (next_check_at, minutes), ids in groups.items():
        WaitlistSlot.objects.filter(pk__in=ids).update(
            status=WaitlistSlot.Status.MONITORING,
            next_check_at=next_check_at,
            check_interval_minutes=minutes,
            last_check_at=now,
            last_result=result,
            last_error=error[:2000],
            updated_at=now,
        )
    report.checked += len(slots)
    if result == Result.BUSY:
        report.busy += len(slots)
    else:
        report.errors += len(slots)


def _note_configs(slots: Sequence[WaitlistSlot], now: dt.datetime, *, error: str) -> None:
    ids = {slot.config_id for slot in slots if slot.config_id}
    if not ids:
        return
    changes = {"last_error": error[:2000]} if error else {"last_error": "", "last_sync_at": now}
    WaitlistCalendarConfig.objects.filter(pk__in=ids).update(**changes)


def slot_freed(slot: WaitlistSlot, *, now: dt.datetime | None = None) -> bool:
    """This slot became free on its calendar: mark it ``available`` (no more checks) and
    hand it to ``handoff.offer_next``. Returns False, changing nothing, when the slot is no
    longer watched (filled, expired, cancelled, or already handed over)."""
    return slots_freed([slot], now=now or timezone.now()) == 1


def slots_freed(slots: Sequence[WaitlistSlot], *, now: dt.datetime) -> int:
    """``slot_freed`` for many slots in one transaction (one commit, not one per slot).
    Each hand-over runs in its own savepoint: one that fails is logged and its slot goes
    back to being checked at the next tick, without stopping the others. Returns how many
    slots were handed over."""
    handed = 0
    with transaction.atomic():
        locked = list(
            WaitlistSlot.objects.select_for_update()
            .filter(pk__in=[slot.pk for slot in slots], status__in=ACTIVE)
            .order_by("start")
        )
        WaitlistSlot.objects.filter(pk__in=[slot.pk for slot in locked]).update(
            status=WaitlistSlot.Status.AVAILABLE,
            last_result=Result.FREE,
            last_error="",
            last_check_at=now,
            next_check_at=None,
            updated_at=now,
        )
        for slot in locked:
            slot.status, slot.last_result, slot.next_check_at = "available", "free", None
            try:
                with transaction.atomic():
                    handoff.offer_next(slot)
                handed += 1
            except Exception:  # one failing offer must not hold back the other freed slots
                logger.exception("waitlist: handing slot %s over failed; rechecking", slot.pk)
                WaitlistSlot.objects.filter(pk=slot.pk).update(
                    status=WaitlistSlot.Status.MONITORING, next_check_at=now
                )
    return handed


def sync_beat_entry() -> bool:
    """Switch the tick's beat entry on or off after ``DISABLE_INTERNAL_CRONS`` (run when
    beat starts). Tells a running beat only when something changed. Returns whether it is on."""
    enabled = not settings.DISABLE_INTERNAL_CRONS
    changed = (
        PeriodicTask.objects.filter(name=BEAT_TASK_NAME)
        .exclude(enabled=enabled)
        .update(enabled=enabled)
    )
    if changed:
        PeriodicTasks.update_changed()
    return enabled
