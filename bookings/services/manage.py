"""Changing a booking after it was made: cancel, reschedule, complete, no show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone as django_timezone

from bookings import metrics, tokens
from bookings.changes import BookingChange, ChangeKind, announce
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.outbox.services import enqueue_booking_sync
from bookings.services.common import (
    Actor,
    Claim,
    NotActive,
    Slot,
    SlotUnavailable,
    Write,
    actor_label,
    add_event,
    assign,
    free_sellers,
    signed_in,
    slot_taken,
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
    actor: Actor = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a confirmed booking; frees its time at once. ``actor``: the staff user or
    seller who cancels; None is the prospect (from the manage link).

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
        if not signed_in(actor) and current.start <= now:
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
        add_event(
            current,
            BookingEvent.Kind.CANCELLED,
            actor_label(actor, "prospect"),
            reason=current.cancellation_reason,
        )
        metrics.count(booking=current, counter="cancelled")
        enqueue_booking_sync(booking=current, action="cancel")
        announce(BookingChange(current, "cancelled", actor_label(actor, "prospect")))
    return current


def _finish(
    booking: Booking, status: str, kind: ChangeKind, actor: Actor, now: dt.datetime
) -> Booking:
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
        add_event(current, kind, actor_label(actor, "system"))
        metrics.count(booking=current, counter=kind)
        announce(BookingChange(current, kind, actor_label(actor, "system")))
    return current


def complete_booking(
    *, booking: Booking, actor: Actor = None, now: dt.datetime | None = None
) -> Booking:
    """Mark a started, confirmed meeting as held. Writes status, a ``completed`` event and
    the metric. Idempotent (already completed: no change). ``NotActive`` otherwise."""
    return _finish(
        booking,
        BookingStatus.COMPLETED,
        "completed",
        actor,
        now or django_timezone.now(),
    )


def mark_no_show(
    *, booking: Booking, actor: Actor = None, now: dt.datetime | None = None
) -> Booking:
    """Mark a started, confirmed meeting as a no-show. Writes status, a ``no_show`` event
    and the metric. Idempotent (already no-show: no change). ``NotActive`` otherwise."""
    return _finish(
        booking,
        BookingStatus.NO_SHOW,
        "no_show",
        actor,
        now or django_timezone.now(),
    )


def reschedule_booking(
    *,
    booking: Booking,
    start: Any,
    timezone: Any = None,
    actor: Actor = None,
    manage_token: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Move a confirmed, future booking to ``start`` (same id, same manage token).

    The same seller keeps it when free at the new time; otherwise the page's strategy
    routes it again among the free sellers (a new RoutingDecision). The new start must be
    an offered slot when the booking's own time does not count (``Invalid``), free for
    someone (``SlotUnavailable``). ``NotActive`` for a cancelled, finished or started
    booking. Writes: times, seller, ``sequence`` + 1, token expiry, a ``rescheduled``
    event (``actor``: the staff user or seller; None is the prospect), metrics (moved
    day, ``rescheduled``), ``update`` outbox rows. Not idempotent in ``sequence`` but
    moving to the time it already has changes nothing.
    ``manage_token`` (when the caller holds it, e.g. from the manage link) goes into the
    email job so the new confirmation can carry the link; only its hash is stored.
    """
    now = now or django_timezone.now()
    start, zone = _clean_move(booking, start, timezone, now)
    if start == booking.start and zone == booking.timezone:
        return booking
    meeting_type = booking.meeting_type
    pool = routing.page_pool(meeting_type.page, country=booking.country)
    sellers = list(pool.sellers)
    if booking.seller_id not in {s.pk for s in sellers}:
        sellers.append(booking.seller)
    free = free_sellers(meeting_type, sellers, start, now=now, exclude_booking_id=booking.pk)
    slot = Slot.of(meeting_type, start)
    claim = Claim(
        meeting_type=meeting_type,
        slot=slot,
        write=_mover(booking, slot, zone, actor_label(actor, "prospect"), manage_token),
        moving=booking,
    )
    return _move(booking, pool, free, claim, now)


def _move(
    booking: Booking, pool: routing.Pool, free: list[Seller], claim: Claim, now: dt.datetime
) -> Booking:
    """The booking's own seller keeps it when free; otherwise the pool's strategy picks
    among the other free sellers (a new routing decision)."""

    def check_still_active() -> None:
        current = _locked(booking)
        if current.status != BookingStatus.CONFIRMED or current.start <= now:
            raise NotActive("This booking changed meanwhile and can no longer be moved.")

    if any(s.pk == booking.seller_id for s in free):
        try:
            return _keep_seller(booking, claim, now, check_still_active)
        except SlotUnavailable:
            pass  # taken a moment ago: route among the others
    others = [s for s in free if s.pk != booking.seller_id and s in pool.sellers]
    if not others:
        raise slot_taken()
    moved, _ = assign(
        pool=pool,
        candidates=routing.candidate_stats(others, team_id=pool.team_id, now=now),
        country=booking.country,
        claim=claim,
        note="rescheduled",
        before=check_still_active,
    )
    return moved


def _clean_move(
    booking: Booking, start: Any, timezone: Any, now: dt.datetime
) -> tuple[dt.datetime, str]:
    """The new start (UTC) and the prospect's zone, after checking the booking can still
    move and the start is within notice and window (``NotActive``, ``Invalid``)."""
    if booking.status != BookingStatus.CONFIRMED:
        raise NotActive(f"This booking is {booking.get_status_display().lower()}.")
    if booking.start <= now:
        raise NotActive("This meeting has already started.")
    errors: dict[str, list[str]] = {}
    utc_start = to_utc(start)
    if utc_start is None:
        errors["start"] = ["Give a date and time with its UTC offset."]
    zone = booking.timezone
    if timezone not in (None, ""):
        try:
            zone = clean_timezone(timezone)
        except ValueError as exc:
            errors["timezone"] = [str(exc)]
    if errors or utc_start is None:
        raise Invalid("Some fields are not valid.", errors)
    meeting_type = booking.meeting_type
    problem = check_start_time(
        utc_start,
        now=now,
        min_notice=meeting_type.min_notice,
        max_days_ahead=meeting_type.max_days_ahead,
        zone=meeting_type.page.timezone,
    )
    if problem:
        raise Invalid(problem, {"start": [problem]})
    return utc_start, zone


def _keep_seller(
    booking: Booking, claim: Claim, now: dt.datetime, before: Callable[[], None]
) -> Booking:
    """The move with the booking's own seller, no new routing decision."""
    stay = routing.Pool(
        key=f"seller:{booking.seller_id}",
        strategy=Fixed.name,
        sellers=[booking.seller],
        page=booking.meeting_type.page,
    )
    moved, _ = assign(
        pool=stay,
        candidates=routing.candidate_stats([booking.seller], now=now),
        country=booking.country,
        claim=claim,
        record=False,
        before=before,
    )
    return moved


#: What a move changes (besides the routing decision when it was routed again).
MOVED_FIELDS = (
    "seller",
    "start",
    "end",
    "blocked_start",
    "blocked_end",
    "timezone",
    "sequence",
    "manage_token_expires_at",
    "updated_at",
)


def _place(booking: Booking, seller: Seller, slot: Slot, zone: str) -> None:
    """Set the moved booking's seller and times (unsaved); ``sequence`` + 1 so calendars
    take the update, and the manage link lives until the new end plus grace."""
    booking.seller = seller
    booking.start, booking.end = slot.start, slot.end
    booking.blocked_start, booking.blocked_end = slot.blocked_start, slot.blocked_end
    booking.timezone = zone
    booking.sequence += 1
    booking.manage_token_expires_at = slot.end + settings.MANAGE_TOKEN_GRACE


def _mover(booking: Booking, slot: Slot, zone: str, actor: str, manage_token: str | None) -> Write:
    """The update ``assign`` runs for the seller it settled on: times, seller, metrics of
    the old and new day, the ``rescheduled`` event and the outbox rows."""
    old = {"seller": str(booking.seller_id), "start": booking.start.isoformat()}
    was_seller, was_start, was_end = booking.seller_id, booking.start, booking.end

    def move(seller: Seller, decision: RoutingDecision | None) -> Booking:
        current = Booking.objects.select_related("seller", "meeting_type").get(pk=booking.pk)
        metrics.count(booking=current, counter="bookings", delta=-1)
        metrics.count(booking=current, counter="rescheduled")
        _place(current, seller, slot, zone)
        fields = [*MOVED_FIELDS]
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
            seller=str(seller.pk),
            start=current.start.isoformat(),
            routing=decision.reason if decision else "same seller",
        )
        manage_url = tokens.manage_url(manage_token) if manage_token else ""
        payload = {"manage_url": manage_url} if manage_url else None
        enqueue_booking_sync(booking=current, action="update", payload=payload)
        announce(
            BookingChange(
                current,
                "rescheduled",
                actor,
                previous_seller_id=was_seller,
                previous_start=was_start,
                previous_end=was_end,
                manage_url=manage_url,
            )
        )
        return current

    return move
