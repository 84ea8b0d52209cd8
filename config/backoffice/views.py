"""Back-office admin pages: the index (today board for staff, own page for a seller),
analytics, routing what-if, and the one-click sync retry. Thin: they validate with the
API's serializers and call the selectors and services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import analytics
from bookings.models import Booking
from bookings.outbox.services import retry_failed_for_bookings
from config.backoffice import charts
from config.backoffice.seller import seller_page
from config.backoffice.serializers import SummaryQuerySerializer, WhatIfSerializer
from config.backoffice.today import board
from config.backoffice.whatif import what_if
from routing.models import RoutingDecision, RoutingStrategy
from scheduling.models import SchedulingPage
from sellers.api.permissions import seller_of, staff_can
from sellers.models import Seller, SellerMetric, Team


def index_context(request: HttpRequest) -> dict[str, Any]:
    """What the admin index shows above the app list: the today board for staff who may
    read bookings, a seller's own page for a seller, nothing otherwise."""
    if staff_can(request.user, "view", Booking):
        return {"board": board(), "can_retry": staff_can(request.user, "change", Booking)}
    seller = seller_of(request.user)
    if seller is not None:
        return {"mine": seller_page(seller)}
    return {}


@require_POST
def retry_sync_view(request: HttpRequest, booking_id: str) -> HttpResponse:
    """Retry every failed outbox job of one booking (the board's button)."""
    if not staff_can(request.user, "change", Booking):
        raise PermissionDenied
    booking = get_object_or_404(Booking, pk=booking_id)
    with transaction.atomic():
        count = retry_failed_for_bookings([booking], actor=f"staff:{request.user}")
    messages.success(request, _("%(count)d sync job(s) of %(booking)s retried.") % {
        "count": count, "booking": booking.name,
    })  # fmt: skip
    return HttpResponseRedirect(reverse("admin:index"))


def _filters() -> dict[str, Any]:
    return {
        "pages": SchedulingPage.objects.order_by("name").only("pk", "name"),
        "teams": Team.objects.order_by("name").only("pk", "name"),
        "sellers": Seller.objects.order_by("name").only("pk", "name"),
    }


def analytics_view(request: HttpRequest) -> TemplateResponse:
    """Filters (dates, page, team, seller) and every chart with its table."""
    if not staff_can(request.user, "view", SellerMetric):
        raise PermissionDenied
    today = timezone.localdate()
    params: dict[str, Any] = {"start": str(today - dt.timedelta(weeks=12)), "end": str(today)}
    params |= {k: v for k, v in request.GET.items() if v}
    query = SummaryQuerySerializer(data=params)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        **_filters(),
        "title": _("Analytics"),
        "params": params,
        "errors": None,
    }
    if query.is_valid():
        figures = analytics.summary(query.scope())
        context |= {"figures": figures, "charts": _charts(figures)}
        context["weeks"] = _week_table(figures)
        context["hours"] = range(24)
        context["heat_rows"] = list(zip(charts.weekdays(), figures["by_weekday_hour"], strict=True))
    else:
        context["errors"] = query.errors
    return TemplateResponse(request, "admin/backoffice/analytics.html", context)


def _charts(figures: dict[str, Any]) -> dict[str, Any]:
    sellers = figures["share_vs_weight"]
    pct = [(s["name"], [_pct(s["share"]), _pct(s["weight_share"])]) for s in sellers]
    rates = [(s["name"], [_pct(s["cancellation_rate"]), _pct(s["no_show_rate"])]) for s in sellers]
    weekly: dict[str, int] = {}
    for row in figures["by_week"]:
        weekly[row["week"]] = weekly.get(row["week"], 0) + row["bookings"]
    return {
        "weeks": charts.bars(_("Bookings per week"), list(weekly.items())),
        "share": charts.grouped_bars(
            _("Share of bookings vs routing weight"),
            pct,
            legend=(_("bookings %"), _("weight %")),
            unit="%",
        ),
        "rates": charts.grouped_bars(
            _("Cancellation and no-show rates"),
            rates,
            legend=(_("cancelled %"), _("no show %")),
            unit="%",
        ),
        "lead": charts.bars(_("Lead time"), list(figures["lead_time_hours"].items())),
        "heat": charts.heat_map(_("Booked slots by weekday and hour"), figures["by_weekday_hour"]),
        "country": charts.bars(
            _("Demand by country"),
            [(c or _("unknown"), v["bookings"]) for c, v in figures["by_country"].items()],
        ),
        "deals": charts.bars(_("Won deals"), [(s["name"], s["deals_won"]) for s in sellers]),
    }


def _pct(rate: float | None) -> float:
    return round((rate or 0) * 100, 1)


def _week_table(figures: dict[str, Any]) -> dict[str, Any]:
    """Bookings per week (rows) per seller (columns)."""
    sellers = figures["share_vs_weight"]
    table = analytics.per_seller_weeks(figures["by_week"])
    return {
        "sellers": [s["name"] for s in sellers],
        "rows": [
            (week, [counts.get(s["seller"], 0) for s in sellers], sum(counts.values()))
            for week, counts in table.items()
        ],
    }


def whatif_view(request: HttpRequest) -> TemplateResponse:
    """Pick a page and a past period, change the strategy or the weights, compare."""
    if not staff_can(request.user, "view", RoutingDecision):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    chosen = source.get("page") or ""
    page = SchedulingPage.objects.filter(pk=chosen).first() if _is_uuid(chosen) else None
    people = list(page_sellers(page)) if page else []
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Routing what-if"),
        "pages": SchedulingPage.objects.order_by("name").only("pk", "name"),
        "strategies": RoutingStrategy.choices,
        "page": page,
        "people": people,
        "params": source,
    }
    if request.method == "POST":
        weights = {str(p.pk): source.get(f"weight_{p.pk}") for p in people}
        data = {
            "page": source.get("page"),
            "start": source.get("start"),
            "end": source.get("end"),
            "weights": {k: v for k, v in weights.items() if v},
        } | ({"routing": source["routing"]} if source.get("routing") else {})
        form = WhatIfSerializer(data=data)
        if form.is_valid():
            result = what_if(**form.validated_data)
            rows = [(r["name"], [r["actual"], r["simulated"]]) for r in result["sellers"]]
            context |= {
                "result": result,
                "chart": charts.grouped_bars(
                    _("Actual vs simulated bookings"),
                    rows,
                    legend=(_("actual"), _("simulated")),
                ),
            }
        else:
            context["errors"] = form.errors
    return TemplateResponse(request, "admin/backoffice/whatif.html", context)


def page_sellers(page: SchedulingPage) -> QuerySet[Seller]:
    """The page's seller, or its team's members (the weights the what-if form offers)."""
    if page.seller_id:
        return Seller.objects.filter(pk=page.seller_id)
    return Seller.objects.filter(memberships__team=page.team).order_by("name").distinct()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
