"""Routing what-if over a page's recorded decisions (the replay itself: ``routing.whatif``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from routing import scoring
from routing.models import RoutingDecision, RoutingStrategy
from routing.strategies import Fixed, Scored
from routing.whatif import Request, candidate_from_record, replay
from scheduling.eligibility import region_of_country
from scheduling.models import SchedulingPage
from sellers.models import Seller


def what_if(
    *,
    page: SchedulingPage,
    start: dt.date,
    end: dt.date,
    routing: str | None = None,
    weights: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Per seller of ``page``: bookings routed in [start, end] (local dates in the page's
    zone) and what ``routing`` (default: the page's) with ``weights`` would have given
    for the same requests in the same order. Decisions of a rule's pool or a fixed seller
    are not replayed (no strategy chose them). 2 queries. Reads only."""
    zone = ZoneInfo(page.timezone)
    since = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    strategy = routing or page.routing
    rows = (
        RoutingDecision.objects.filter(
            page=page, rule__isnull=True, created_at__gte=since, created_at__lt=until
        )
        .exclude(strategy=Fixed.name)
        .exclude(chosen__isnull=True)
        .order_by("created_at", "id")
        .values_list("created_at", "candidates", "chosen_id", "booking__country")
    )
    requests = [
        Request(
            at=at,
            candidates=tuple(candidate_from_record(c) for c in candidates),
            chosen=str(chosen),
            country=str(country or ""),
            region=region_of_country(country) or "",
        )
        for at, candidates, chosen, country in rows
    ]
    outcome = replay(
        requests,
        strategy=strategy,
        weights={str(k): int(v) for k, v in (weights or {}).items()},
        prepare=scoring.score if strategy == Scored.name else None,
    )
    ids = set(outcome.actual) | set(outcome.simulated)
    names = dict(Seller.objects.filter(pk__in=ids).values_list("pk", "name"))
    sellers: list[dict[str, Any]] = sorted(
        (
            {
                "seller": sid,
                "name": names.get(uuid.UUID(sid), sid),
                "actual": outcome.actual.get(sid, 0),
                "simulated": outcome.simulated.get(sid, 0),
            }
            for sid in ids
        ),
        key=lambda row: (row["name"], row["seller"]),
    )
    return {
        "page": str(page.pk),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "routing": strategy,
        "routing_label": str(RoutingStrategy(strategy).label),
        "requests": outcome.requests,
        "sellers": [row | {"difference": row["simulated"] - row["actual"]} for row in sellers],
    }
