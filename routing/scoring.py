"""Scores for the ``scored`` strategy: the scorer named in ``ROUTING_SCORER`` (a dotted path
to a callable) runs on the candidates before the pure strategy ranks them.

A scorer is ``scorer(candidates, context) -> {seller id: score}`` (higher is better) over
plain values (``CandidateStats``, ``RoutingContext``). It runs in a worker thread with a
time limit (``ROUTING_SCORER_TIMEOUT`` seconds): one that raises, times out or leaves a
candidate unscored gives no scores, and the strategy falls back to round robin with the
reason in the routing decision. A thread that overran is left to finish on its own (Python
cannot stop it), so a scorer calling out to a model server should set its own timeout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.utils.module_loading import import_string

from routing.strategies import CandidateStats, RoutingContext

Scorer = Callable[[Sequence[CandidateStats], RoutingContext], Mapping[str, float]]

#: How much a seller's load (against the busiest candidate's) weighs against conversion.
LOAD_WEIGHT = 0.5
#: Conversion assumed for a seller with no history yet (a neutral middle, not a penalty).
NO_HISTORY = 0.5

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="routing-scorer")


def metric_scorer(
    candidates: Sequence[CandidateStats], context: RoutingContext
) -> dict[str, float]:
    """The default: recent conversion (won deals per held meeting, from SellerMetric) minus
    a share of the seller's load relative to the busiest candidate. Pure."""
    busiest = max((c.load for c in candidates), default=0) or 1
    return {
        c.seller_id: round(
            (NO_HISTORY if c.conversion is None else c.conversion) - LOAD_WEIGHT * c.load / busiest,
            6,
        )
        for c in candidates
    }


def score(
    candidates: Sequence[CandidateStats], context: RoutingContext
) -> tuple[list[CandidateStats], RoutingContext]:
    """The candidates with their ``score`` set, or unchanged with ``context.scoring_error``
    saying why the configured scorer gave none."""
    try:
        scorer: Scorer = import_string(settings.ROUTING_SCORER)
        future = _pool.submit(scorer, list(candidates), context)
        scores = future.result(timeout=settings.ROUTING_SCORER_TIMEOUT)
        scored = [dataclasses.replace(c, score=float(scores[c.seller_id])) for c in candidates]
    except FutureTimeout:
        error = f"timed out after {settings.ROUTING_SCORER_TIMEOUT:g}s"
        return list(candidates), dataclasses.replace(context, scoring_error=error)
    except Exception as exc:  # any failure of a plugged-in model means: route without it
        error = f"{type(exc).__name__}: {exc}"[:200]
        return list(candidates), dataclasses.replace(context, scoring_error=error)
    return scored, context
