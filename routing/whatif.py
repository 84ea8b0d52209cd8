"""Routing what-if: replay recorded requests with another strategy or other weights.

Each recorded ``RoutingDecision`` keeps the candidates that were free and their figures at
the time. The replay feeds the same requests, in the same order, to the real strategy
code (``routing.strategies``), carrying forward what the simulation itself changes: the
round-robin cursor, each seller's load (their recorded load plus the simulated minus the
actual assignments so far) and when they were last assigned. Pure apart from the
scorer, which the caller passes in (``routing.scoring.score`` for the ``scored`` strategy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from routing.strategies import CandidateStats, RoutingContext, get_strategy

Prepare = Callable[
    [Sequence[CandidateStats], RoutingContext], tuple[list[CandidateStats], RoutingContext]
]


@dataclass(frozen=True)
class Request:
    """One recorded routing: when, who was free (their figures then), who got it."""

    at: dt.datetime
    candidates: tuple[CandidateStats, ...]
    chosen: str
    country: str = ""
    region: str = ""


@dataclass(frozen=True)
class Outcome:
    actual: dict[str, int]
    simulated: dict[str, int]
    requests: int


def candidate_from_record(figures: Mapping[str, Any]) -> CandidateStats:
    """A recorded candidate (``RoutingDecision.candidates`` item) back as ``CandidateStats``."""
    last = figures.get("last_assigned_at")
    return CandidateStats(
        seller_id=str(figures["seller"]),
        name=str(figures.get("name", "")),
        load=int(figures.get("load", 0)),
        weight=int(figures.get("weight", 1)),
        last_assigned_at=dt.datetime.fromisoformat(last) if last else None,
        country=str(figures.get("country", "")),
        region=str(figures.get("region", "")),
        is_new=bool(figures.get("is_new", False)),
        conversion=figures.get("conversion"),
    )


def replay(
    requests: Sequence[Request],
    *,
    strategy: str,
    weights: Mapping[str, int] | None = None,
    prepare: Prepare | None = None,
) -> Outcome:
    """Per seller: the actual assignments and the simulated ones under ``strategy`` with
    ``weights`` (seller id → weight; others keep their recorded weight)."""
    weights = weights or {}
    pool = tuple(sorted({c.seller_id for r in requests for c in r.candidates}))
    first_at = requests[0].at if requests else None
    actual: Counter[str] = Counter()
    simulated: Counter[str] = Counter()
    last: dict[str, dt.datetime] = {}
    cursor: str | None = None
    chooser = get_strategy(strategy)
    for request in requests:
        candidates = [
            dataclasses.replace(
                c,
                load=max(0, c.load + simulated[c.seller_id] - actual[c.seller_id]),
                weight=max(1, int(weights.get(c.seller_id, c.weight))),
                last_assigned_at=last.get(c.seller_id, _before(c.last_assigned_at, first_at)),
                score=None,
            )
            for c in request.candidates
        ]
        context = RoutingContext(
            pool=pool, cursor=cursor, country=request.country, region=request.region
        )
        if prepare is not None:
            candidates, context = prepare(candidates, context)
        winner = chooser.choose(candidates, context).winner
        actual[request.chosen] += 1
        if winner is not None:
            simulated[winner] += 1
            last[winner] = request.at
            cursor = winner
    return Outcome(actual=dict(actual), simulated=dict(simulated), requests=len(requests))


def _before(moment: dt.datetime | None, start: dt.datetime | None) -> dt.datetime | None:
    """A recorded last assignment counts only if it predates the replayed period (inside
    it, the simulation keeps its own)."""
    return moment if moment is not None and start is not None and moment < start else None
