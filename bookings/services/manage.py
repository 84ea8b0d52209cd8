"""Changing a booking after it was made: cancel, reschedule, complete, no show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone as django_timezone

from bookings import metrics, tokens
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.outbox.services import enqueue_booking_sync
from bookings.services.common import (
    NotActive,
    SlotUnavailable,
    add_event,
    assign,
    busy,
    free_sellers,
    live_calendar_check,
    seller_is_free,
)
from bookings.validation import check_start_time, clean_timezone, to_utc
from config.errors import Invalid
from routing import services as routing
from routing.models import RoutingDecision
from routing.strategies import Fixed
from sellers.models import Seller


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("seller", "meeting_type", "meeting_type__page")
        .get(pk=booking.pk)
    )


def cancel_booking(
    *,
    booking: Booking,
    reason: str = "",
    actor: str = "prospect",
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a confirmed booking; frees its time at once.

    Writes: status, reason, ``cancelled_at``, ``sequence`` + 1, a ``cancelled`` event, the
    seller's ``cancelled`` metric and ``cancel`` outbox rows, in one transaction under the
    booking's row lock. Idempotent: cancelling a cancelled booking changes nothing and
    returns it. Raises ``NotActive`` for a completed / no-show booking, or (for a
    prospect) one that has already started.
    """
    now = now or django_timezone.now()
    with transaction.atomic():
        current = _locked(booking)
        if current.status == BookingStatus.CANCELLED:
            return current
        if current.status != BookingStatus.CONFIRMED:
            raise NotActive(f"This booking is {current.get_status_display().lower()}.")
        if actor == "prospect" and current.start <= now:
            raise NotActive("This meeting has already started.")
        current.status = BookingStatus.CANCELLED
        current.cancellation_reason = (reason or "").strip()[:2000]
        current.cancelled_at = now
        current.sequence += 1
        current.save(
            update_fields=[
                "status",
                "cancellation_reason",
                "cancelled_at",
                "sequence",
                "updated_at",
            ]
        )
        add_event(current, BookingEvent.Kind.CANCELLED, actor, reason=current.cancellation_reason)
        metrics.count(booking=current, counter="cancelled")
        enqueue_booking_sync(booking=current, action="cancel")
    return current


def _finish(booking: Booking, status: str, kind: str, actor: str, now: dt.datetime) -> Booking:
    with transaction.atomic():
        current = _locked(booking)
        if current.status == status:
            return current
        if current.status != BookingStatus.CONFIRMED:
            raise NotActive(f"This booking is {current.get_status_display().lower()}.")
        if current.start > now:
            raise NotActive("This meeting has not started yet.")
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        add_event(current, kind, actor)
        metrics.count(booking=current, counter=kind)
    return current


def complete_booking(
    *, booking: Booking, actor: str = "system", now: dt.datetime | None = None
) -> Booking:
    """Mark a started, confirmed meeting as held. Writes status, a ``completed`` event and
    the metric. Idempotent (already completed: no change). ``NotActive`` otherwise."""
    return _finish(
        booking,
        BookingStatus.COMPLETED,
        BookingEvent.Kind.COMPLETED,
        actor,
        now or django_timezone.now(),
    )


def mark_no_show(
    *, booking: Booking, actor: str = "system", now: dt.datetime | None = None
) -> Booking:
    """Mark a started, confirmed meeting as a no-show. Writes status, a ``no_show`` event
    and the metric. Idempotent (already no-show: no change). ``NotActive`` otherwise."""
    return _finish(
        booking,
        BookingStatus.NO_SHOW,
        BookingEvent.Kind.NO_SHOW,
        actor,
        now or django_timezone.now(),
    )


def reschedule_booking(
    *,
    booking: Booking,
    start: Any,
    timezone: Any = None,
    actor: str = "prospect",
    manage_token: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Move a confirmed, future booking to ``start`` (same id, same manage token).

    The same seller keeps it when free at the new time; otherwise the page's strategy
    routes it again among the free sellers (a new RoutingDecision). The new start must be
    an offered slot when the booking's own time does not count (``Invalid``), free for
    someone (``SlotUnavailable``). ``NotActive`` for a cancelled, finished or started
    booking. Writes: times, seller, ``sequence`` + 1, token expiry, a ``rescheduled``
    event, metrics (moved day, ``rescheduled``), ``update`` outbox rows. Not idempotent
    in ``sequence`` but moving to the time it already has changes nothing.
    ``manage_token`` (when the caller holds it, e.g. from the manage link) goes into the
    email job so the new confirmation can carry the link; only its hash is stored.
    """
    now = now or django_timezone.now()
    if booking.status != BookingStatus.CONFIRMED:
        raise NotActive(f"This booking is {booking.get_status_display().lower()}.")
    if booking.start <= now:
        raise NotActive("This meeting has already started.")
    errors: dict[str, list[str]] = {}
    start = to_utc(start)
    if start is None:
        errors["start"] = ["Give a date and time with its UTC offset."]
    zone = booking.timezone
    if timezone not in (None, ""):
        try:
            zone = clean_timezone(timezone)
        except ValueError as exc:
            errors["timezone"] = [str(exc)]
    if errors or start is None:
        raise Invalid("Some fields are not valid.", errors)
    meeting_type = booking.meeting_type
    page = meeting_type.page
    problem = check_start_time(
        start,
        now=now,
        min_notice=meeting_type.min_notice,
        max_days_ahead=meeting_type.max_days_ahead,
        zone=page.timezone,
    )
    if problem:
        raise Invalid(problem, {"start": [problem]})
    if start == booking.start and zone == booking.timezone:
        return booking

    pool = routing.page_pool(page, country=booking.country)
    sellers = list(pool.sellers)
    if booking.seller_id not in {s.pk for s in sellers}:
        sellers.append(booking.seller)
    free = free_sellers(meeting_type, sellers, start, now=now, exclude_booking_id=booking.pk)
    old = {"seller": str(booking.seller_id), "start": booking.start.isoformat()}
    mover = _mover(booking, start, zone, actor, old, manage_token)

    def check_still_active() -> None:
        current = _locked(booking)
        if current.status != BookingStatus.CONFIRMED or current.start <= now:
            raise NotActive("This booking changed meanwhile and can no longer be moved.")

    if any(s.pk == booking.seller_id for s in free):
        stay = routing.Pool(
            key=f"seller:{booking.seller_id}",
            strategy=Fixed.name,
            sellers=[booking.seller],
            page=page,
        )
        try:
            moved, _ = assign(
                pool=stay,
                candidates=routing.candidate_stats([booking.seller], now=now),
                start=start,
                country=booking.country,
                attempt=mover,
                record=False,
                before=check_still_active,
            )
            return moved
        except SlotUnavailable:
            pass  # taken a moment ago: route among the others
    others = [s for s in free if s.pk != booking.seller_id and s in pool.sellers]
    if not others:
        raise SlotUnavailable(
            "Nobody can take this time any more. Please pick another slot.",
            {"start": ["This time was just taken."]},
        )
    moved, _ = assign(
        pool=pool,
        candidates=routing.candidate_stats(others, team_id=pool.team_id, now=now),
        start=start,
        country=booking.country,
        attempt=mover,
        note="rescheduled",
        before=check_still_active,
    )
    return moved


def _mover(
    booking: Booking,
    start: dt.datetime,
    zone: str,
    actor: str,
    old: dict[str, str],
    manage_token: str | None,
) -> Callable[[Seller, Callable[[], RoutingDecision | None]], Booking]:
    meeting_type = booking.meeting_type
    end = start + dt.timedelta(minutes=meeting_type.duration)
    blocked_start = start - dt.timedelta(minutes=meeting_type.buffer_before)
    blocked_end = end + dt.timedelta(minutes=meeting_type.buffer_after)

    def move(seller: Seller, decide: Callable[[], RoutingDecision | None]) -> Booking:
        locked = Seller.objects.select_for_update().get(pk=seller.pk)
        if not seller_is_free(
            seller=locked,
            meeting_type=meeting_type,
            start=start,
            blocked_start=blocked_start,
            blocked_end=blocked_end,
            exclude_booking_id=booking.pk,
        ):
            raise busy()
        own_event = [(booking.start, booking.end)] if locked.pk == booking.seller_id else []
        live, skipped = live_calendar_check(locked, blocked_start, blocked_end, ignore=own_event)
        if live is False:
            raise busy()
        current = Booking.objects.select_related("seller").get(pk=booking.pk)
        metrics.count(booking=current, counter="bookings", delta=-1)
        metrics.count(booking=current, counter="rescheduled")
        decision = decide()
        current.seller = locked
        current.start, current.end = start, end
        current.blocked_start, current.blocked_end = blocked_start, blocked_end
        current.timezone = zone
        current.sequence += 1
        current.manage_token_expires_at = end + settings.MANAGE_TOKEN_GRACE
        fields = [
            "seller",
            "start",
            "end",
            "blocked_start",
            "blocked_end",
            "timezone",
            "sequence",
            "manage_token_expires_at",
            "updated_at",
        ]
        if decision is not None:
            current.routing_decision = decision
            fields.append("routing_decision")
        current.save(update_fields=fields)
        metrics.count(booking=current, counter="bookings")
        add_event(
            current,
            BookingEvent.Kind.RESCHEDULED,
            actor,
            previous=old,
            seller=str(locked.pk),
            start=start.isoformat(),
            routing=decision.reason if decision else "same seller",
        )
        if skipped:  # moved on the database's word alone: say so
            add_event(current, BookingEvent.Kind.RECHECK_SKIPPED, "system", reason=skipped)
        enqueue_booking_sync(
            booking=current,
            action="update",
            payload={"manage_url": tokens.manage_url(manage_token)} if manage_token else None,
        )
        return current

    return move
