"""Routing strategies: which free seller gets a booking. Pure: plain values in, a choice out.

Every strategy answers one question through one small interface::

    strategy.choose(candidates, context) -> Choice

``candidates`` are the sellers free at the slot, with the figures the strategy may read;
``Choice.order`` lists them all, best first, so the booking service can fall through to
the next one when the database says the first was taken a moment ago. A scoring model
(e.g. trained on ``SellerMetric``) plugs in as a scorer (``routing.scoring``, setting
``ROUTING_SCORER``) that the ``scored`` strategy ranks by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class CandidateStats:
    """One seller free at the slot, with what strategies may weigh.

    - ``load``: the seller's bookings in the trailing window (confirmed, completed, no show);
    - ``weight``: the seller's share for weighted routing (>= 1);
    - ``last_assigned_at``: the last time routing gave the seller a booking (None = never);
    - ``is_new``: joined the pool inside the trailing window (weighted routing calibrates
      them to the average instead of letting them catch up all at once);
    - ``conversion``: recent share of held meetings whose deal was won (None = no history);
    - ``score``: what the configured scorer gave the seller (scored routing only).
    """

    seller_id: str
    name: str = ""
    load: int = 0
    weight: int = 1
    last_assigned_at: dt.datetime | None = None
    country: str = ""
    region: str = ""
    is_new: bool = False
    conversion: float | None = None
    score: float | None = None

    def figures(self) -> dict[str, Any]:
        scoring = {"conversion": self.conversion, "score": self.score}
        return {k: v for k, v in scoring.items() if v is not None} | {
            "seller": self.seller_id,
            "name": self.name,
            "load": self.load,
            "weight": self.weight,
            "last_assigned_at": self.last_assigned_at.isoformat()
            if self.last_assigned_at
            else None,
            "country": self.country,
            "region": self.region,
            "is_new": self.is_new,
        }


@dataclass(frozen=True, slots=True)
class RoutingContext:
    """What the strategies know besides the candidates.

    - ``pool``: every seller id of the pool in its fixed round-robin order (busy ones too);
    - ``cursor``: the seller the round robin gave the last booking to (None = none yet);
    - ``country`` / ``region``: the prospect's, as ISO code and region name ("" = unknown);
    - ``scoring_error``: why the scorer gave no scores (scored routing falls back on it).
    """

    pool: tuple[str, ...] = ()
    cursor: str | None = None
    country: str = ""
    region: str = ""
    scoring_error: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """The candidates best first, a one-line reason for the first, and per-seller figures."""

    order: tuple[str, ...]
    reason: str
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def winner(self) -> str | None:
        return self.order[0] if self.order else None


class Strategy(Protocol):
    name: str

    def choose(self, candidates: Sequence[CandidateStats], context: RoutingContext) -> Choice: ...


def _recency(c: CandidateStats) -> dt.datetime:
    return c.last_assigned_at or _EPOCH


def _base_figures(candidates: Sequence[CandidateStats]) -> dict[str, dict[str, Any]]:
    return {c.seller_id: c.figures() for c in candidates}


def _no_one(name: str) -> Choice:
    return Choice(order=(), reason=f"{name}: no seller is free at this time")


def _label(c: CandidateStats) -> str:
    return c.name or c.seller_id


class RoundRobin:
    """The next free seller after the cursor in the pool's fixed order; busy ones are skipped
    (they keep their turn order; the cursor moves to whoever gets the booking)."""

    name = "round_robin"

    def choose(self, candidates: Sequence[CandidateStats], context: RoutingContext) -> Choice:
        if not candidates:
            return _no_one(self.name)
        by_id = {c.seller_id: c for c in candidates}
        pool = list(context.pool) or sorted(by_id)
        # Free sellers missing from the pool order (should not happen) go last, stably.
        pool += sorted(set(by_id) - set(pool))
        start = pool.index(context.cursor) + 1 if context.cursor in pool else 0
        rotated = pool[start:] + pool[:start]
        order = tuple(sid for sid in rotated if sid in by_id)
        skipped = [sid for sid in rotated[: rotated.index(order[0])] if sid not in by_id]
        reason = f"round robin: {_label(by_id[order[0]])} is next in turn"
        if skipped:
            reason += f" ({len(skipped)} busy seller{'s' if len(skipped) > 1 else ''} skipped)"
        return Choice(order=order, reason=reason, figures=_base_figures(candidates))


class LowestLoad:
    """Fewest bookings in the trailing window; ties go to the least recently assigned."""

    name = "lowest_load"

    @staticmethod
    def rank(candidates: Sequence[CandidateStats]) -> list[CandidateStats]:
        return sorted(candidates, key=lambda c: (c.load, _recency(c), c.seller_id))

    def choose(self, candidates: Sequence[CandidateStats], context: RoutingContext) -> Choice:
        if not candidates:
            return _no_one(self.name)
        ranked = self.rank(candidates)
        first = ranked[0]
        reason = f"lowest load: {_label(first)} has {first.load} booking(s) in the window"
        if len(ranked) > 1 and ranked[1].load == first.load:
            reason += ", tie broken by least recently assigned"
        return Choice(
            order=tuple(c.seller_id for c in ranked),
            reason=reason,
            figures=_base_figures(candidates),
        )


class Weighted:
    """The seller furthest below their weighted share of the window's bookings wins.

    A seller new to the pool is counted as carrying the average load per weight of the
    others (times their own weight) until their real load passes it, so they get their
    share from now on instead of every booking until they catch up.
    """

    name = "weighted"

    @staticmethod
    def effective_loads(candidates: Sequence[CandidateStats]) -> dict[str, float]:
        settled = [c for c in candidates if not c.is_new]
        per_weight = (
            sum(c.load for c in settled) / sum(c.weight for c in settled) if settled else 0.0
        )
        return {
            c.seller_id: max(float(c.load), per_weight * c.weight) if c.is_new else float(c.load)
            for c in candidates
        }

    def choose(self, candidates: Sequence[CandidateStats], context: RoutingContext) -> Choice:
        if not candidates:
            return _no_one(self.name)
        loads = self.effective_loads(candidates)
        total_load = sum(loads.values())
        total_weight = sum(c.weight for c in candidates)
        deficit = {
            c.seller_id: (total_load + 1) * c.weight / total_weight - loads[c.seller_id]
            for c in candidates
        }
        ranked = sorted(
            candidates, key=lambda c: (-round(deficit[c.seller_id], 9), _recency(c), c.seller_id)
        )
        figures = _base_figures(candidates)
        for c in candidates:
            figures[c.seller_id]["effective_load"] = round(loads[c.seller_id], 3)
            figures[c.seller_id]["deficit"] = round(deficit[c.seller_id], 3)
        first = ranked[0]
        reason = (
            f"weighted: {_label(first)} is furthest below their share "
            f"(weight {first.weight}/{total_weight}, load {loads[first.seller_id]:g} "
            f"of {total_load:g})"
        )
        return Choice(order=tuple(c.seller_id for c in ranked), reason=reason, figures=figures)


class ByCountry:
    """Sellers of the prospect's country first, then of their region, then everyone free;
    inside each tier the lowest load wins."""

    name = "by_country"

    @staticmethod
    def tier(c: CandidateStats, context: RoutingContext) -> int:
        if context.country and c.country.upper() == context.country.upper():
            return 0
        if context.region and c.region.casefold() == context.region.casefold():
            return 1
        return 2

    def choose(self, candidates: Sequence[CandidateStats], context: RoutingContext) -> Choice:
        if not candidates:
            return _no_one(self.name)
        ranked = sorted(
            LowestLoad.rank(candidates), key=lambda c: self.tier(c, context)
        )  # stable: load order kept inside each tier
        first = ranked[0]
        where = {
            0: f"same country ({context.country})",
            1: f"same region ({context.region})",
            2: "no seller of the prospect's country or region is free; whole pool",
        }[self.tier(first, context)]
        figures = _base_figures(candidates)
        for c in candidates:
            figures[c.seller_id]["tier"] = ("country", "region", "pool")[self.tier(c, context)]
        return Choice(
            order=tuple(c.seller_id for c in ranked),
            reason=f"by country: {_label(first)}, {where}, load {first.load}",
            figures=figures,
        )


class Scored:
    """Highest score first (ties: least recently assigned). The scores come in with the
    candidates (``routing.scoring`` runs the scorer chosen in settings before this); when
    the scorer failed or left a candidate unscored, round robin decides, and the reason
    says why."""

    name = "scored"

    def choose(self, candidates: Sequence[CandidateStats], context: RoutingContext) -> Choice:
        if not candidates:
            return _no_one(self.name)
        unscored = [c for c in candidates if c.score is None]
        if context.scoring_error or unscored:
            problem = context.scoring_error or f"no score for {_label(unscored[0])}"
            fallback = RoundRobin().choose(candidates, context)
            return Choice(
                order=fallback.order,
                reason=f"scored: scorer failed ({problem}), fell back to {fallback.reason}",
                figures=fallback.figures,
            )
        ranked = sorted(candidates, key=lambda c: (-(c.score or 0.0), _recency(c), c.seller_id))
        first = ranked[0]
        return Choice(
            order=tuple(c.seller_id for c in ranked),
            reason=f"scored: {_label(first)} has the highest score ({first.score:.3f})",
            figures=_base_figures(candidates),
        )


class Fixed:
    """A personal page, a rule naming one seller, or a seller staff chose: always them."""

    name = "fixed"

    def choose(self, candidates: Sequence[CandidateStats], context: RoutingContext) -> Choice:
        if not candidates:
            return _no_one(self.name)
        ranked = sorted(candidates, key=lambda c: c.seller_id)
        return Choice(
            order=tuple(c.seller_id for c in ranked),
            reason=f"fixed seller: {_label(ranked[0])}",
            figures=_base_figures(candidates),
        )


STRATEGIES: dict[str, Callable[[], Strategy]] = {
    RoundRobin.name: RoundRobin,
    LowestLoad.name: LowestLoad,
    Weighted.name: Weighted,
    ByCountry.name: ByCountry,
    Scored.name: Scored,
    Fixed.name: Fixed,
}


def get_strategy(name: str) -> Strategy:
    """The strategy registered under ``name``; KeyError for an unknown one."""
    return STRATEGIES[name]()
