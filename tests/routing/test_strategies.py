"""Pure routing strategies: properties with Hypothesis, and the fairness they promise."""

import datetime as dt
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from routing.strategies import (
    ByCountry,
    CandidateStats,
    LowestLoad,
    RoundRobin,
    RoutingContext,
    Weighted,
    get_strategy,
)

IDS = [f"s{i}" for i in range(8)]
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

candidate = st.builds(
    CandidateStats,
    seller_id=st.sampled_from(IDS),
    load=st.integers(0, 50),
    weight=st.integers(1, 5),
    last_assigned_at=st.none() | st.integers(0, 1000).map(lambda m: T0 + dt.timedelta(minutes=m)),
    country=st.sampled_from(["PE", "CL", "ES", ""]),
    region=st.sampled_from(["LATAM", "EMEA", ""]),
    is_new=st.booleans(),
)
candidates = st.lists(candidate, min_size=1, max_size=8, unique_by=lambda c: c.seller_id)
context = st.builds(
    RoutingContext,
    pool=st.permutations(IDS).map(tuple),
    cursor=st.none() | st.sampled_from(IDS),
    country=st.sampled_from(["PE", "CL", "ES", ""]),
    region=st.sampled_from(["LATAM", "EMEA", ""]),
)
names = st.sampled_from(["round_robin", "lowest_load", "weighted", "by_country", "scored", "fixed"])


@given(names, candidates, context)
def test_strategy_orders_exactly_the_candidates(name, cands, ctx):
    choice = get_strategy(name).choose(cands, ctx)
    assert sorted(choice.order) == sorted(c.seller_id for c in cands)
    assert choice.winner == choice.order[0]
    assert choice.reason


@given(names, candidates, context, st.randoms())
def test_strategy_choice_does_not_depend_on_input_order(name, cands, ctx, rnd):
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    strategy = get_strategy(name)
    assert strategy.choose(shuffled, ctx).order == strategy.choose(cands, ctx).order


@given(names, context)
def test_strategy_with_no_candidates_chooses_nobody(name, ctx):
    choice = get_strategy(name).choose([], ctx)
    assert choice.order == ()
    assert choice.winner is None


@given(candidates, context)
def test_round_robin_winner_is_first_free_after_cursor(cands, ctx):
    free = {c.seller_id for c in cands}
    winner = RoundRobin().choose(cands, ctx).winner
    pool = list(ctx.pool)
    start = pool.index(ctx.cursor) + 1 if ctx.cursor in pool else 0
    rotated = pool[start:] + pool[:start]
    assert winner == next(s for s in rotated if s in free)


def test_round_robin_cycles_fairly_and_skips_busy():
    pool = ("a", "b", "c")
    cursor = None
    winners = []
    for i in range(30):
        free = [CandidateStats(seller_id=s) for s in pool if not (s == "b" and i % 10 == 4)]
        winner = RoundRobin().choose(free, RoutingContext(pool=pool, cursor=cursor)).winner
        winners.append(winner)
        cursor = winner
    assert winners[:4] == ["a", "b", "c", "a"]
    counts = Counter(winners)
    assert max(counts.values()) - min(counts.values()) <= 3
    assert sum(counts.values()) == 30


def test_lowest_load_ties_go_to_least_recently_assigned():
    cands = [
        CandidateStats(seller_id="a", load=2, last_assigned_at=T0 + dt.timedelta(hours=2)),
        CandidateStats(seller_id="b", load=2, last_assigned_at=T0),
        CandidateStats(seller_id="c", load=3, last_assigned_at=None),
    ]
    assert LowestLoad().choose(cands, RoutingContext()).order == ("b", "a", "c")


def test_weighted_shares_converge_to_weights():
    weights = {"a": 1, "b": 2, "c": 3}
    loads = Counter()
    last = {}
    for i in range(600):
        cands = [
            CandidateStats(seller_id=s, weight=w, load=loads[s], last_assigned_at=last.get(s))
            for s, w in weights.items()
        ]
        winner = Weighted().choose(cands, RoutingContext()).winner
        loads[winner] += 1
        last[winner] = T0 + dt.timedelta(minutes=i)
    assert loads == Counter({"a": 100, "b": 200, "c": 300})


def test_weighted_new_seller_is_calibrated_not_flooded():
    weights = {"a": 1, "b": 1}
    loads = Counter({"a": 50, "b": 50})
    wins = Counter()
    last = {}
    for i in range(30):
        cands = [
            CandidateStats(seller_id=s, load=loads[s], last_assigned_at=last.get(s))
            for s in weights
        ]
        cands.append(
            CandidateStats(
                seller_id="new", load=loads["new"], is_new=True, last_assigned_at=last.get("new")
            )
        )
        winner = Weighted().choose(cands, RoutingContext()).winner
        loads[winner] += 1
        wins[winner] += 1
        last[winner] = T0 + dt.timedelta(minutes=i)
    assert wins == Counter({"a": 10, "b": 10, "new": 10})


def test_by_country_falls_back_from_country_to_region_to_pool():
    pe = CandidateStats(seller_id="pe", country="PE", region="LATAM", load=9)
    cl = CandidateStats(seller_id="cl", country="CL", region="LATAM", load=1)
    es = CandidateStats(seller_id="es", country="ES", region="EMEA", load=0)
    ctx = RoutingContext(country="PE", region="LATAM")
    assert ByCountry().choose([pe, cl, es], ctx).order == ("pe", "cl", "es")
    assert ByCountry().choose([cl, es], ctx).order == ("cl", "es")
    assert ByCountry().choose([es], ctx).winner == "es"
    assert "whole pool" in ByCountry().choose([es], ctx).reason
