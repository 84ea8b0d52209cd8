"""The public page a waitlist link opens (``/waitlist/{token}/``): the wanted times in the
person's zone, the registration form (details and times), and an open offer to accept or
decline. Plain forms posting back here; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.services import TokenExpired
from bookings.views import brand_color
from config.errors import DomainError, NotFound
from waitlist.models import WaitlistEntry, WaitlistToken
from waitlist.services import join, offers, tokens


def _context(row: WaitlistToken, **extra: Any) -> dict[str, Any]:
    entry = row.entry
    zone = ZoneInfo(str(entry.timezone))
    wanted = [entry.requested_slot, *(dt.datetime.fromisoformat(v) for v in entry.alternatives)]
    picked = {dt.datetime.fromisoformat(v) for v in entry.selected_slots}
    page = join.meeting_type_of(entry).page
    return {
        "page": page,
        "brand_color": brand_color(page),
        "entry": entry,
        "position": join.position(entry),
        "zone": zone,
        "times": [
            {"value": t.isoformat(), "at": t.astimezone(zone), "picked": t in picked or not picked}
            for t in wanted
        ],
        "offer": entry.hold if entry.status == WaitlistEntry.Status.NOTIFIED else None,
        "waiting": entry.status in WaitlistEntry.LIVE,
        **extra,
    }


def _act(request: HttpRequest, row: WaitlistToken) -> str | HttpResponse:
    """Run the posted action; a redirect on success, else the error to show."""
    action = request.POST.get("action")
    entry = row.entry
    try:
        if action == "confirm":
            join.confirm_registration(
                entry=entry,
                first_name=request.POST.get("first_name"),
                last_name=request.POST.get("last_name", ""),
                phone=request.POST.get("phone"),
                email=request.POST.get("email", ""),
                selected_slots=request.POST.getlist("selected_slots"),
            )
        elif action == "accept":
            result = offers.accept(entry=entry, email=request.POST.get("email"), token=row)
            return redirect(f"/schedule/manage/{result.manage_token}/?booked=1")
        elif action == "decline":
            offers.decline(entry=entry, token=row)
        elif action == "cancel":
            offers.cancel_entry(entry=entry)
        else:
            return _("Unknown action.")
    except DomainError as exc:
        messages = [m for ms in exc.fields.values() for m in ms]
        return " ".join([exc.message, *messages])
    return redirect(request.path + "?done=" + action)


@never_cache
@require_http_methods(["GET", "POST"])
def entry_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        row = tokens.open_token(token)
    except NotFound:
        return render(request, "bookings/not_found.html", {"what": "waitlist entry"}, status=404)
    except TokenExpired:
        return render(request, "waitlist/expired.html", status=410)
    error = ""
    if request.method == "POST":
        outcome = _act(request, row)
        if isinstance(outcome, HttpResponse):
            return outcome
        error = outcome
        row = tokens.open_token(token)
    status = 400 if error else 200
    return render(
        request,
        "waitlist/entry.html",
        _context(row, error=error, done=request.GET.get("done")),
        status=status,
    )
