"""The scored strategy: pure ranking (Hypothesis) and the scorer plugged in from settings."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.models import RoutingDecision
from routing.scoring import metric_scorer
from routing.strategies import CandidateStats, RoundRobin, RoutingContext, Scored
from sellers.models import SellerMetric
from tests.bookings.conftest import slot, team_page
from tests.routing.test_routing_service import book
from tests.routing.test_strategies import candidates, context


@given(candidates, st.data(), context)
def test_scored_ranks_by_score_highest_first(cands, data, ctx):
    scores = data.draw(
        st.lists(st.floats(-10, 10, allow_nan=False), min_size=len(cands), max_size=len(cands))
    )
    scored = [
        CandidateStats(seller_id=c.seller_id, load=c.load, score=s)
        for c, s in zip(cands, scores, strict=True)
    ]
    choice = Scored().choose(scored, ctx)
    by_id = {c.seller_id: c.score for c in scored}
    ordered = [by_id[sid] for sid in choice.order]
    assert ordered == sorted(ordered, reverse=True)
    assert choice.figures[choice.winner]["score"] == max(scores)


@given(candidates, context, st.text(min_size=1, max_size=20))
def test_scored_without_scores_falls_back_to_round_robin(cands, ctx, error):
    failed = RoutingContext(pool=ctx.pool, cursor=ctx.cursor, scoring_error=error)
    choice = Scored().choose(cands, failed)
    assert choice.order == RoundRobin().choose(cands, failed).order
    assert choice.reason.startswith(f"scored: scorer failed ({error}), fell back to round robin")


def test_metric_scorer_prefers_conversion_and_penalises_load():
    ctx = RoutingContext()
    cands = [
        CandidateStats(seller_id="a", load=10, conversion=0.5),
        CandidateStats(seller_id="b", load=0, conversion=0.5),
        CandidateStats(seller_id="c", load=0, conversion=0.9),
    ]
    assert metric_scorer(cands, ctx) == {"a": 0.0, "b": 0.5, "c": 0.9}


@pytest.mark.django_db
def test_scored_page_books_the_best_converting_seller_and_records_the_scores():
    meeting_type, sellers = team_page(routing="scored")
    best = sellers[1]
    yesterday = dt.date.today() - dt.timedelta(days=1)  # noqa: DTZ011
    SellerMetric.objects.create(seller=best, date=yesterday, completed=4, deals_won=3)
    SellerMetric.objects.create(seller=sellers[0], date=yesterday, completed=4, deals_won=1)
    booking = book(meeting_type, slot(), 0)
    assert booking.seller == best
    decision = RoutingDecision.objects.get(pk=booking.routing_decision_id)
    figures = {c["seller"]: c for c in decision.candidates}
    assert figures[str(best.pk)]["score"] == 0.75
    assert figures[str(best.pk)]["conversion"] == 0.75
    assert figures[str(sellers[2].pk)]["score"] == 0.5  # no history: neutral
    assert decision.reason.startswith("scored: ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scorer", "problem"),
    [
        ("tests.routing.scorers.broken", "RuntimeError: model server down"),
        ("tests.routing.scorers.slow", "timed out after 0.05s"),
        ("tests.routing.scorers.partial", "KeyError"),
        ("tests.routing.nowhere.scorer", "ModuleNotFoundError"),
    ],
)
def test_failing_scorer_falls_back_to_round_robin_with_the_reason(settings, scorer, problem):
    settings.ROUTING_SCORER = scorer
    settings.ROUTING_SCORER_TIMEOUT = 0.05
    meeting_type, sellers = team_page(routing="scored")
    first = book(meeting_type, slot(hour=9), 0)
    second = book(meeting_type, slot(hour=10), 1)
    assert [first.seller, second.seller] == sellers[:2]  # round robin turns, cursor advanced
    reason = RoutingDecision.objects.get(pk=first.routing_decision_id).reason
    assert reason.startswith(f"scored: scorer failed ({problem}")
    assert "fell back to round robin" in reason


@pytest.mark.django_db
def test_scorer_from_settings_decides(settings):
    settings.ROUTING_SCORER = "tests.routing.scorers.by_name"
    meeting_type, _ = team_page(routing="scored")
    assert book(meeting_type, slot(), 0).seller.name == "Seller C"
