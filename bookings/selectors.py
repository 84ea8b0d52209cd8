"""Reads of bookings: by manage token, the staff/seller list, seller metrics."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings import tokens
from bookings.models import BLOCKING_STATUSES, COUNTED_STATUSES, Booking, BookingStatus
from bookings.services.common import TokenExpired
from config.errors import NotFound
from scheduling.hooks import BookedTimeQuery
from sellers.api.permissions import staff_can
from sellers.models import SellerMetric
from sellers.ranges import overlapping


def _with_relations(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related("seller", "meeting_type", "meeting_type__page", "routing_decision")


def booking_for_token(token: str, *, now: dt.datetime | None = None) -> Booking:
    """The booking a manage token opens (1 query). ``NotFound`` for an unknown token,
    ``TokenExpired`` once past ``manage_token_expires_at``. Looked up by hash, then
    compared in constant time."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound("No booking has this link.")
    digest = tokens.hash_token(token)
    booking = _with_relations(Booking.objects.filter(manage_token_hash=digest)).first()
    if booking is None or not tokens.matches(token, booking.manage_token_hash):
        raise NotFound("No booking has this link.")
    if booking.manage_token_expires_at <= (now or timezone.now()):
        raise TokenExpired("This link has expired.")
    return booking


def booking_list(
    *,
    user: Any,
    seller: Any = None,
    status: str | None = None,
    email: str | None = None,
    start_after: dt.datetime | None = None,
    start_before: dt.datetime | None = None,
) -> QuerySet[Booking]:
    """Bookings the user may see (staff with the view permission: all; a seller: their
    own; others: none), filtered, newest start first, with every relation the API shows in
    the same query."""
    qs = _with_relations(Booking.objects.all()).order_by("-start", "id")
    if not staff_can(user, "view", Booking):
        seller_id = getattr(getattr(user, "seller", None), "pk", None)
        if seller_id is None:
            return qs.none()
        qs = qs.filter(seller_id=seller_id)
    if seller:
        qs = qs.filter(seller_id=seller)
    if status:
        qs = qs.filter(status=status)
    if email:
        qs = qs.filter(email=email.strip().lower())
    if start_after:
        qs = qs.filter(start__gte=start_after)
    if start_before:
        qs = qs.filter(start__lt=start_before)
    return qs


def seller_metrics(*, user: Any, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per seller over [start, end] (local dates): bookings, cancelled, rescheduled,
    completed, no_show, and the same by prospect country. 1 query."""
    qs = SellerMetric.objects.filter(date__gte=start, date__lte=end)
    if not staff_can(user, "view", SellerMetric):
        seller_id = getattr(getattr(user, "seller", None), "pk", None)
        if seller_id is None:
            return []
        qs = qs.filter(seller_id=seller_id)
    counters = ("bookings", "cancelled", "rescheduled", "completed", "no_show")
    rows = (
        qs.values("seller_id", "seller__name", "country")
        .annotate(**{f"sum_{c}": Sum(c) for c in counters})
        .order_by("seller__name", "seller_id", "country")
    )
    out: dict[Any, dict[str, Any]] = {}
    by_country: dict[Any, dict[str, dict[str, int]]] = defaultdict(dict)
    for values in rows:
        row: dict[str, Any] = dict(values)
        entry = out.setdefault(
            row["seller_id"],
            {"seller": str(row["seller_id"]), "name": row["seller__name"]}
            | {c: 0 for c in counters},
        )
        figures: dict[str, int] = {c: int(row[f"sum_{c}"] or 0) for c in counters}
        for c in counters:
            entry[c] += figures[c]
        by_country[row["seller_id"]][str(row["country"] or "")] = figures
    return [entry | {"by_country": by_country[sid]} for sid, entry in out.items()]


# --- what the layers below read through their hooks (registered in BookingsConfig.ready) ---
def booked_time_rows(query: BookedTimeQuery) -> QuerySet[Booking]:
    """For the slot selectors (``scheduling.hooks.BookedTime``): confirmed and held bookings
    whose blocked range overlaps the busy window, plus, when a meeting type is given, its counted
    bookings starting in the count window. One query when evaluated."""
    rows, blocked = overlapping(
        Booking.objects.all(), "blocked_start", "blocked_end", query.busy_from, query.busy_to
    )
    wanted = Q(status__in=BLOCKING_STATUSES) & blocked
    if query.meeting_type_id is not None:
        wanted |= Q(
            meeting_type_id=query.meeting_type_id,
            status__in=COUNTED_STATUSES,
            start__gte=query.count_from,
            start__lt=query.count_to,
        )
    rows = rows.filter(wanted, seller_id__in=query.seller_ids)
    if query.exclude_booking_id is not None:
        rows = rows.exclude(pk=query.exclude_booking_id)
    return rows


def booked_ranges(
    seller_id: Any, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """For free/busy sync (``sellers.hooks``): the seller's confirmed meetings overlapping
    [start, end)."""
    return list(
        Booking.objects.filter(
            seller_id=seller_id, status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start
        ).values_list("start", "end")
    )


def load_count(since: dt.datetime) -> Coalesce:
    """For routing (``routing.hooks``): over a Seller row, the bookings that seller took
    since ``since``."""
    taken = (
        Booking.objects.filter(
            seller=OuterRef("pk"), status__in=COUNTED_STATUSES, created_at__gte=since
        )
        .order_by()
        .values("seller")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(taken), 0)
