"""The waitlist's back-office dashboard (seed design 003, "Dashboard Features"):
``/admin/waitlist/dashboard/`` with three tabs — entries (filter by status; per-entry
actions), slots (status, next check, interval, last result), settings (each business's
calendar, last sync, the steps explained) — and the waitlist panel on a booking's page.

Per-entry buttons (resend, cancel, offer now) belong to the offer flow: it registers each
with ``register_entry_action``; a button shows only once its service is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking
from config.errors import DomainError
from sellers.calendar import connections
from waitlist import intervals
from waitlist.models import WaitlistCalendarConfig, WaitlistEntry, WaitlistSlot

TABS = {
    "entries": gettext_lazy("Entries"),
    "slots": gettext_lazy("Slots"),
    "settings": gettext_lazy("Settings"),
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class EntryAction:
    """A button on an entry row: ``run(entry=…, actor=…)`` is the offer flow's service."""

    name: str
    label: str
    run: Callable[..., object]
    statuses: tuple[str, ...]


_ENTRY_ACTIONS: dict[str, EntryAction] = {}


def register_entry_action(
    name: str, label: str, run: Callable[..., object], *, statuses: tuple[str, ...]
) -> None:
    """Offer ``run`` as a button on entries in ``statuses`` (idempotent by name)."""
    _ENTRY_ACTIONS[name] = EntryAction(name, label, run, statuses)


def entry_actions() -> list[EntryAction]:
    return list(_ENTRY_ACTIONS.values())


def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The three tabs; a POST runs one registered entry action then comes back."""
    if not request.user.has_perm("waitlist.view_waitlistentry"):
        raise PermissionDenied
    tab = request.GET.get("tab", "")
    tab = tab if tab in TABS else "entries"
    if request.method == "POST":
        return _run_entry_action(request)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Waitlist"),
        "tabs": TABS,
        "tab": tab,
        "status": request.GET.get("status", ""),
    }
    context.update({"entries": _entries, "slots": _slots, "settings": _settings}[tab](request))
    return TemplateResponse(request, "admin/waitlist/dashboard.html", context)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("p"))


def _entries(request: HttpRequest) -> dict[str, Any]:
    status = request.GET.get("status", "")
    entries = WaitlistEntry.objects.select_related("slot").order_by("-created_at", "id")
    if status in WaitlistEntry.Status.values:
        entries = entries.filter(status=status)
    return {
        "page": _page(request, entries),
        "statuses": WaitlistEntry.Status.choices,
        "actions": entry_actions()
        if request.user.has_perm("waitlist.change_waitlistentry")
        else [],
    }


def _slots(request: HttpRequest) -> dict[str, Any]:
    status = request.GET.get("status", "")
    slots = (
        WaitlistSlot.objects.select_related("config", "seller")
        .annotate(waiting=Count("entries", filter=Q(entries__status="pending")))
        .order_by("start", "id")
    )
    if status in WaitlistSlot.Status.values:
        slots = slots.filter(status=status)
    return {"page": _page(request, slots), "statuses": WaitlistSlot.Status.choices}


def _settings(request: HttpRequest) -> dict[str, Any]:
    configs = WaitlistCalendarConfig.objects.select_related("connection", "page").order_by(
        "business_name"
    )
    return {
        "configs": configs,
        "google_configured": connections.google_configured(),
        "bands": band_descriptions(),
        "cron_mode": settings.DISABLE_INTERNAL_CRONS,
        "cron_secret_set": bool(settings.CRON_SECRET),
        "can_change": request.user.has_perm("waitlist.change_waitlistcalendarconfig"),
    }


def band_descriptions() -> list[str]:
    """The adaptive intervals in words, from ``intervals.BANDS``."""
    lines, wider = [], None
    for threshold, minutes in intervals.BANDS:
        hours = int(threshold.total_seconds() // 3600)
        values = {"hours": hours, "wider": wider, "minutes": minutes}
        if wider is None:
            lines.append(_("more than %(hours)d hours ahead: every %(minutes)d minutes") % values)
        elif hours:
            lines.append(
                _("%(hours)d to %(wider)d hours ahead: every %(minutes)d minutes") % values
            )
        else:
            lines.append(_("within %(wider)d hours: every %(minutes)d minutes") % values)
        wider = hours
    return lines


def _run_entry_action(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("waitlist.change_waitlistentry"):
        raise PermissionDenied
    found = _ENTRY_ACTIONS.get(request.POST.get("action", ""))
    entry = get_object_or_404(WaitlistEntry, pk=request.POST.get("entry"))
    if found is None or entry.status not in found.statuses:
        messages.error(request, _("That action is not available for this entry."))
    else:
        try:
            found.run(entry=entry, actor=request.user)
            messages.success(request, _("%(action)s: done.") % {"action": found.label})
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(f"{reverse('waitlist_dashboard')}?tab=entries")


def booking_waitlist_panel(request: HttpRequest, booking: Booking) -> str:
    """The waitlist on a booking's admin page: the entry the booking came from, and who
    waits for its time (they get the offer if it is cancelled)."""
    if not request.user.has_perm("waitlist.view_waitlistentry"):
        return ""
    waiting = Prefetch(
        "entries",
        queryset=WaitlistEntry.objects.filter(status=WaitlistEntry.Status.PENDING).order_by(
            "priority", "created_at"
        ),
        to_attr="queue",
    )
    slots = (
        WaitlistSlot.objects.filter(start__lt=booking.end, end__gt=booking.start)
        .filter(Q(seller_id=booking.seller_id) | Q(meeting_type_id=booking.meeting_type_id))
        .exclude(status__in=[WaitlistSlot.Status.EXPIRED, WaitlistSlot.Status.CANCELLED])
        .prefetch_related(waiting)
        .order_by("start")
    )
    context = {
        "origin": WaitlistEntry.objects.filter(booking=booking).first(),
        "slots": list(slots),
        "dashboard": reverse("waitlist_dashboard"),
    }
    return render_to_string("admin/waitlist/booking_panel.html", context, request=request)
