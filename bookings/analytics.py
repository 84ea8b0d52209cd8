"""Analytics over a date range: what the admin's analytics page, ``metrics/summary/`` and
``metrics/export.csv`` show. Every figure is a SQL aggregate — counters from
``SellerMetric``, lead times and the weekday × hour map from grouped queries over the
bookings — so the cost grows with sellers and weeks, not with bookings (a constant number
of queries)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncWeek

from bookings.metrics import COUNTERS
from bookings.models import MEETING_STATUSES, Booking, BookingStatus
from scheduling.models import SchedulingPage
from sellers.models import Seller, SellerMetric

#: Lead time (booking made → meeting) buckets: (label, lower bound in hours).
LEAD_BUCKETS = (("<1h", 0), ("1–24h", 1), ("1–3d", 24), ("3–7d", 72), ("7–14d", 168), ("14d+", 336))


@dataclass(frozen=True)
class Scope:
    """What a summary covers: local dates [start, end], optionally one page (its sellers
    and its bookings; its zone for the heat map), one team, one seller."""

    start: dt.date
    end: dt.date
    page: SchedulingPage | None = None
    team_id: Any = None
    seller_id: Any = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.page.timezone if self.page else settings.TIME_ZONE)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The range as instants: start of ``start`` to end of ``end`` in the scope's zone."""
        since = dt.datetime.combine(self.start, dt.time(), tzinfo=self.zone)
        until = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)
        return since, until

    def sellers(self) -> QuerySet[Seller]:
        rows = Seller.objects.all()
        if self.page is not None:
            if self.page.seller_id:
                rows = rows.filter(pk=self.page.seller_id)
            else:
                rows = rows.filter(memberships__team=self.page.team)
        if self.team_id is not None:
            rows = rows.filter(memberships__team_id=self.team_id)
        if self.seller_id is not None:
            rows = rows.filter(pk=self.seller_id)
        return rows.distinct()

    def bookings(self) -> QuerySet[Booking]:
        since, until = self.bounds()
        rows = Booking.objects.filter(
            start__gte=since, start__lt=until, status__in=MEETING_STATUSES
        )
        if self.page is not None:
            rows = rows.filter(meeting_type__page=self.page)
        if self.team_id is not None or self.seller_id is not None:
            rows = rows.filter(seller__in=self.sellers().values("pk"))
        return rows


def summary(scope: Scope) -> dict[str, Any]:
    """Every figure of the analytics page for ``scope``. 7 queries whatever the data."""
    metrics = SellerMetric.objects.filter(
        date__gte=scope.start, date__lte=scope.end, seller__in=scope.sellers().values("pk")
    )
    sellers = _per_seller(scope, metrics)
    totals = {c: sum(s[c] for s in sellers) for c in COUNTERS}
    lead = _from_bookings(scope)
    return {
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "zone": str(scope.zone),
        **totals,
        "cancellation_rate": _rate(totals["cancelled"], totals["bookings"]),
        "no_show_rate": _rate(totals["no_show"], totals["completed"] + totals["no_show"]),
        "lead_time_hours_p50": lead["p50"],
        "lead_time_hours": lead["buckets"],
        "by_weekday_hour": lead["heat"],
        "by_country": _by_country(metrics),
        "by_week": _by_week(metrics),
        "share_vs_weight": sellers,
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _per_seller(scope: Scope, metrics: QuerySet[SellerMetric]) -> list[dict[str, Any]]:
    """Each seller of the scope: counters, rates, share of bookings vs share of weight."""
    sums: dict[Any, dict[str, Any]] = {
        row["seller_id"]: dict(row)
        for row in metrics.values("seller_id").annotate(**{c: Sum(c) for c in COUNTERS})
    }
    people = list(
        scope.sellers()
        .filter(Q(is_active=True) | Q(pk__in=list(sums)))
        .values("pk", "name", "weight")
        .order_by("name", "pk")
    )
    total = sum(int(sums.get(p["pk"], {}).get("bookings") or 0) for p in people)
    weight = sum(p["weight"] for p in people)
    rows = []
    for person in people:
        figures = {c: int(sums.get(person["pk"], {}).get(c) or 0) for c in COUNTERS}
        held = figures["completed"] + figures["no_show"]
        rows.append(
            {
                "seller": str(person["pk"]),
                "name": person["name"],
                **figures,
                "cancellation_rate": _rate(figures["cancelled"], figures["bookings"]),
                "no_show_rate": _rate(figures["no_show"], held),
                "share": _rate(figures["bookings"], total),
                "weight": person["weight"],
                "weight_share": _rate(person["weight"], weight),
            }
        )
    return rows


def _by_country(metrics: QuerySet[SellerMetric]) -> dict[str, dict[str, int]]:
    rows: Any = metrics.values("country").annotate(**{c: Sum(c) for c in COUNTERS})
    return {
        str(r["country"] or ""): {c: int(r[c] or 0) for c in COUNTERS}
        for r in rows.order_by("country")
    }


def _by_week(metrics: QuerySet[SellerMetric]) -> list[dict[str, Any]]:
    """Bookings per (ISO) week per seller: ``[{"week", "seller", "bookings"}]``."""
    rows = (
        metrics.annotate(week=TruncWeek("date"))
        .values("week", "seller_id")
        .annotate(n=Sum("bookings"))
        .order_by("week", "seller_id")
    )
    return [
        {"week": _day(r["week"]).isoformat(), "seller": str(r["seller_id"]), "bookings": r["n"]}
        for r in rows
    ]


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _from_bookings(scope: Scope) -> dict[str, Any]:
    """What only the bookings know, in one pass grouped by weekday × hour (≤ 168 rows):
    booked (not cancelled) meetings per weekday (Monday first) × hour in the scope's zone,
    and bookings per lead-time bucket (booking made → meeting); then the median lead time
    (a second query). 2 queries."""
    rows = scope.bookings().annotate(lead=F("start") - F("created_at"))
    highs = [hours for _, hours in LEAD_BUCKETS[1:]] + [None]
    buckets = {
        f"lead_{i}": Count(
            "pk",
            filter=Q(lead__gte=dt.timedelta(hours=low))
            & (Q(lead__lt=dt.timedelta(hours=high)) if high is not None else Q()),
        )
        for i, ((_, low), high) in enumerate(zip(LEAD_BUCKETS, highs, strict=True))
    }
    grouped: Any = (
        rows.annotate(
            weekday=ExtractIsoWeekDay("start", tzinfo=scope.zone),
            hour=ExtractHour("start", tzinfo=scope.zone),
        )
        .values("weekday", "hour")
        .annotate(booked=Count("pk", filter=~Q(status=BookingStatus.CANCELLED)), **buckets)
        .order_by()
    )
    grid = [[0] * 24 for _ in range(7)]
    counts = dict.fromkeys((label for label, _ in LEAD_BUCKETS), 0)
    for row in grouped:
        grid[row["weekday"] - 1][row["hour"]] = row["booked"]
        for i, (label, _) in enumerate(LEAD_BUCKETS):
            counts[label] += row[f"lead_{i}"]
    median = _median_lead(rows, total=sum(counts.values()))
    return {
        "heat": grid,
        "buckets": counts,
        "p50": round(median.total_seconds() / 3600, 1) if median is not None else None,
    }


class _Median(Aggregate):
    """PostgreSQL's exact median of an interval (``percentile_disc``: a value that occurs)."""

    template = "percentile_disc(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _median_lead(rows: Any, *, total: int) -> dt.timedelta | None:
    """The median of the ``lead`` annotation of ``rows``: one aggregate on PostgreSQL;
    elsewhere (SQLite, the embedded default) the middle row by order. 1 query (none
    without bookings)."""
    if not total:
        return None
    if connection.vendor == "postgresql":
        return rows.aggregate(p50=_Median("lead"))["p50"]
    return rows.order_by("lead").values_list("lead", flat=True)[(total - 1) // 2]


#: CSV column → booking field (``lead_time_hours`` is computed: start − created_at).
EXPORT = {
    "id": "pk",
    "created_at": "created_at",
    "start": "start",
    "end": "end",
    "status": "status",
    "seller": "seller_id",
    "seller_name": "seller__name",
    "page": "meeting_type__page__slug",
    "meeting_type": "meeting_type__slug",
    "name": "name",
    "email": "email",
    "phone": "phone",
    "company": "company",
    "country": "country",
    "city": "city",
    "source": "source",
    "routing_strategy": "routing_strategy",
    "deal_won_at": "deal_won_at",
}


def export_rows(scope: Scope) -> Iterator[list[str]]:
    """The header, then one row per booking of the scope (by start), streamed from the
    database in chunks. Cells a spreadsheet would run as a formula are quoted."""
    yield [*EXPORT, "lead_time_hours"]
    rows = scope.bookings().order_by("start", "pk").values_list(*EXPORT.values())
    for row in rows.iterator(chunk_size=2000):
        lead = round((row[2] - row[1]).total_seconds() / 3600, 1)
        yield [*(_cell(v) for v in row), str(lead)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    text = str(value)
    # A leading = + - @ makes spreadsheets evaluate the cell (CSV injection).
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def per_seller_weeks(by_week: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``by_week`` as {week: {seller: bookings}} for a table (weeks in order)."""
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for row in by_week:
        table[row["week"]][row["seller"]] = row["bookings"]
    return dict(table)
