"""Admin page "why is this slot unavailable?": every candidate start of one seller's day
for one meeting type, with the first reason it is not offered."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from scheduling.engine import Reason
from scheduling.models import MeetingType
from scheduling.selectors import eligible_sellers, explain_seller_day
from sellers.models import Seller

REASON_TEXT = {
    None: "Offered",
    Reason.DST_GAP: "Does not exist that day (clocks jump over it)",
    Reason.OUTSIDE_HOURS: "Outside working hours, or the meeting would not fit in them",
    Reason.OVERRIDE: "Removed by a date override (the seller's or everyone's)",
    Reason.BUSY: "The meeting overlaps a booking or calendar busy time",
    Reason.BUFFER: "Only the buffers before/after overlap busy time",
    Reason.NOTICE: "Inside the minimum notice",
    Reason.WINDOW: "Past the booking window (max days ahead)",
    Reason.DAILY_LIMIT: "The seller reached the daily limit of this meeting type",
    Reason.WEEKLY_LIMIT: "The seller reached the weekly limit of this meeting type",
}


class ExplainForm(forms.Form):
    seller = forms.ModelChoiceField(queryset=Seller.objects.order_by("name"))
    meeting_type = forms.ModelChoiceField(
        queryset=MeetingType.objects.select_related("page", "page__seller").order_by(
            "page__name", "order", "name"
        )
    )
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text="In the seller's timezone."
    )


def explain_view(request: HttpRequest) -> TemplateResponse:
    """GET ?seller=&meeting_type=&date= (staff only, through admin.site.admin_view)."""
    # A link may pre-select some fields (the seller page links with ?seller=): only a
    # complete query is validated, a partial one just fills the form in.
    complete = all(request.GET.get(name) for name in ExplainForm.base_fields)
    form = ExplainForm(request.GET if complete else None, initial=request.GET.dict())
    rows = None
    seller = meeting_type = None
    not_in_pool = False
    if form.is_valid():
        seller = form.cleaned_data["seller"]
        meeting_type = form.cleaned_data["meeting_type"]
        day: dt.date = form.cleaned_data["date"]
        now = timezone.now()
        rows = [
            {
                "wall": item.start.strftime("%H:%M"),
                "utc": None
                if item.reason == Reason.DST_GAP
                else item.start.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                "reason": item.reason.value if item.reason else "",
                "text": REASON_TEXT.get(item.reason, str(item.reason)),
                "offered": item.reason is None,
            }
            for item in explain_seller_day(seller, meeting_type, day, now=now)
        ]
        pool = eligible_sellers(meeting_type.page)
        not_in_pool = seller.pk not in {s.pk for s in pool}
    context = {
        **admin.site.each_context(request),
        "title": "Why is this slot unavailable?",
        "form": form,
        "rows": rows,
        "seller": seller,
        "meeting_type": meeting_type,
        "not_in_pool": not_in_pool,
        "offered_count": sum(1 for row in rows or [] if row["offered"]),
    }
    return TemplateResponse(request, "admin/scheduling/explain.html", context)
