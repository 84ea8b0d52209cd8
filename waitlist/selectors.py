"""Reads of the waitlist: the staff/seller lists."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from sellers.api.permissions import seller_of, staff_can
from waitlist.models import WaitlistEntry, WaitlistSlot


def _visible(qs: QuerySet, user: Any, model: type, page_path: str) -> QuerySet:
    """Staff with the view permission: all; a seller: rows of their pages (their own or
    their teams'); anyone else: none."""
    if staff_can(user, "view", model):
        return qs
    seller = seller_of(user)
    if seller is None:
        return qs.none()
    mine = Q(**{f"{page_path}__seller": seller}) | Q(**{f"{page_path}__team__members": seller})
    return qs.filter(mine).distinct()


def entry_list(*, user: Any, status: str | None = None, page: Any = None) -> QuerySet:
    qs = WaitlistEntry.objects.select_related("slot__meeting_type__page").order_by(
        "requested_slot", "priority", "created_at", "id"
    )
    qs = _visible(qs, user, WaitlistEntry, "slot__meeting_type__page")
    if status:
        qs = qs.filter(status=status)
    if page:
        qs = qs.filter(slot__meeting_type__page_id=page)
    return qs


def slot_list(*, user: Any, status: str | None = None, page: Any = None) -> QuerySet:
    qs = (
        WaitlistSlot.objects.select_related("meeting_type__page")
        .annotate(waiting=Count("entries", filter=Q(entries__status="pending")))
        .order_by("start", "id")
    )
    qs = _visible(qs, user, WaitlistSlot, "meeting_type__page")
    if status:
        qs = qs.filter(status=status)
    if page:  # a slot of one of the page's meeting types, or of a business the page names
        qs = qs.filter(Q(meeting_type__page_id=page) | Q(config__page_id=page))
    return qs
