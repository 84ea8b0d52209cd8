"""Routing, the thin ORM side: which pool a prospect goes to, the figures the strategies
weigh, the round-robin cursor and the stored decision. The choice itself is pure
(`routing.strategies`), so is rule matching (`routing.rules`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from config import sqlbatch
from config.shaped import Shaped
from routing import hooks, scoring
from routing.models import RoutingDecision, RoutingRule, RoutingState
from routing.rules import RuleSpec, first_matching
from routing.strategies import (
    CandidateStats,
    Choice,
    Fixed,
    RoundRobin,
    RoutingContext,
    Scored,
    get_strategy,
)
from scheduling.cache import memo
from scheduling.eligibility import eligible_by_country, region_of_country, seller_region
from scheduling.models import SchedulingPage
from scheduling.selectors import eligible_sellers, team_members
from sellers.models import Seller, SellerMetric, TeamMembership

#: Load and weighted shares count the bookings made in this many trailing days.
LOAD_WINDOW = dt.timedelta(days=30)
#: The default scorer's conversion counts the meetings of this many trailing days.
CONVERSION_WINDOW = dt.timedelta(days=90)
#: Strategies that read the round-robin cursor (scored falls back to round robin).
CURSOR_STRATEGIES = frozenset({RoundRobin.name, Scored.name})


@dataclass
class Pool:
    """Where a prospect is routed: the sellers to choose among and how.

    ``key`` names the round-robin cursor (``page:<id>``, ``team:<id>``, ``seller:<id>``);
    ``sellers`` are ordered by id (the round-robin order); ``rule`` is the rule that sent
    the prospect here, if any.
    """

    key: str
    strategy: str
    sellers: list[Seller]
    page: SchedulingPage
    team_id: Any = None
    rule: RoutingRule | None = None


def page_pool(page: SchedulingPage, *, country: str = "") -> Pool:
    """The page's own pool: its seller, or its team's eligible members (1 query at most)."""
    sellers = eligible_sellers(page, country=country or None)
    if page.seller_id:
        return Pool(key=f"page:{page.pk}", strategy=Fixed.name, sellers=sellers, page=page)
    return Pool(
        key=f"page:{page.pk}",
        strategy=page.routing,
        sellers=sellers,
        page=page,
        team_id=page.team_id,
    )


def rule_pool(
    page: SchedulingPage, *, country: str = "", answers: Mapping[str, Any]
) -> Pool | None:
    """The pool of the first active rule of ``page`` that matches the prospect, or None.

    A rule sends to a seller (always them), a team (the page's strategy over its active
    members) or another page (that page's pool and strategy). 1–2 queries, none while the
    process has the rules and members memoised (`scheduling.cache.memo`).
    """
    rules = active_rules(page.pk)
    if not rules:
        return None
    specs = [RuleSpec(id=r.pk, conditions=tuple(r.conditions or ()), match=r.match) for r in rules]
    hit = first_matching(specs, country=country, answers=answers)
    if hit is None:
        return None
    rule = next(r for r in rules if r.pk == hit.id)
    if rule.target_seller_id:
        seller = rule.target_seller
        sellers = [seller] if seller is not None and seller.is_active else []
        pool = Pool(
            key=f"seller:{rule.target_seller_id}", strategy=Fixed.name, sellers=sellers, page=page
        )
    elif rule.target_team_id:
        sellers = team_members(rule.target_team_id)
        strategy = page.routing
        if strategy == "by_country":
            sellers = eligible_by_country(sellers, country or None)
        pool = Pool(
            key=f"team:{rule.target_team_id}",
            strategy=strategy,
            sellers=sellers,
            page=page,
            team_id=rule.target_team_id,
        )
    else:
        assert rule.target_page is not None
        pool = page_pool(rule.target_page, country=country)
    pool.rule = rule
    return pool


def active_rules(page_id: Any) -> list[RoutingRule]:
    """A page's active routing rules in order, with their targets (1 query, none while the
    process has them memoised; saving or deleting a rule bumps the pages token)."""

    def read() -> list[RoutingRule]:
        return list(
            RoutingRule.objects.filter(page_id=page_id, is_active=True)
            .select_related("target_page", "target_page__seller", "target_seller")
            .order_by("order", "name")
        )

    return memo(("routing rules", str(page_id)), read)


def candidate_stats(
    sellers: Sequence[Seller],
    *,
    team_id: Any = None,
    now: dt.datetime | None = None,
    with_arrival: bool = True,
) -> list[CandidateStats]:
    """The figures of each seller: load in the trailing window, weight, recency, place,
    and whether they joined inside the window (team join dates read only when
    ``with_arrival``; only weighted routing needs them). 1–2 queries; load and
    ``last_assigned_at`` come from the rows (the sellers may come from a memo that
    predates the last assignment)."""
    now = now or timezone.now()
    since = now - LOAD_WINDOW
    ids = [s.pk for s in sellers]
    recent = {pk: (load, last) for pk, load, last in _RECENT.rows(ids=ids, since=since)}
    joined: dict[Any, dt.datetime] = {}
    if team_id is not None and with_arrival:
        joined = dict(
            TeamMembership.objects.filter(team_id=team_id, seller_id__in=ids).values_list(
                "seller_id", "joined_at"
            )
        )
    stats = []
    for seller in sellers:
        arrived = max(seller.created_at, joined.get(seller.pk, seller.created_at))
        load, last_assigned_at = recent.get(seller.pk, (0, None))  # None: row deleted since
        stats.append(
            CandidateStats(
                seller_id=str(seller.pk),
                name=seller.name,
                load=load,
                weight=seller.weight,
                last_assigned_at=last_assigned_at,
                country=str(seller.country or ""),
                region=seller_region(seller) or "",
                is_new=arrived > since,
            )
        )
    return stats


_CURSOR = Shaped(
    lambda shape, pool_key: RoutingState.objects.filter(pool_key=pool_key).values_list(
        "last_seller_id"
    )
)
_RECENT = Shaped(
    lambda shape, ids, since: (
        Seller.objects.filter(pk__in=ids)
        .annotate(load=hooks.load_since(since))
        .values_list("pk", "load", "last_assigned_at")
    )
)


def locked_cursor(pool: Pool) -> RoutingState:
    """The pool's round-robin state, row-locked until the transaction ends (call inside
    ``transaction.atomic``). Creates it on first use."""
    state = RoutingState.objects.select_for_update().filter(pool_key=pool.key).first()
    if state is None:
        RoutingState.objects.get_or_create(pool_key=pool.key)  # a racing creator may win
        state = RoutingState.objects.select_for_update().get(pool_key=pool.key)
    return state


def uses_cursor(pool: Pool) -> bool:
    """Whether routing in ``pool`` reads (and advances) its round-robin cursor."""
    return pool.strategy in CURSOR_STRATEGIES


@dataclass(frozen=True)
class Turn:
    """A round-robin turn handed out: the cursor before it and the seller it now names
    (seller primary keys; the strategies speak in their string form)."""

    pool_key: str
    before: Any
    taken: Any


def state_id(seller_id: str) -> uuid.UUID:
    """A strategy's seller id as the cursor column stores it."""
    return uuid.UUID(seller_id)


#: Compare-and-set tries before ``take_turn`` queues on the cursor's row lock instead.
TURN_TRIES = 8


def take_turn(
    pool: Pool, candidates: Sequence[CandidateStats], *, country: str = ""
) -> tuple[Choice, Turn | None]:
    """Run the pool's strategy; for round robin also move the cursor to the winner at once,
    by compare and set: read it, choose, update it only if nobody moved it meanwhile, else
    read again. No lock is held past that one UPDATE (outside a transaction), so concurrent
    bookings of a pool take successive turns without waiting for each other's inserts.
    The booking then calls ``settle_turn`` (it went to someone else) or ``release_turn``
    (it failed)."""
    if not uses_cursor(pool):
        return choose(pool, candidates, country=country), None
    cursors = RoutingState.objects.filter(pool_key=pool.key)
    for _ in range(TURN_TRIES):
        known = [seller_id for (seller_id,) in _CURSOR.rows(pool_key=pool.key)]
        if not known:
            RoutingState.objects.get_or_create(pool_key=pool.key)  # a racing creator may win
            continue
        choice = choose(pool, candidates, country=country, cursor=known[0])
        if choice.winner is None:
            return choice, None
        moved = cursors.filter(last_seller_id=known[0]).update(
            last_seller_id=choice.winner,
            assignments=F("assignments") + 1,
            updated_at=timezone.now(),
        )
        if moved:
            return choice, Turn(pool_key=pool.key, before=known[0], taken=state_id(choice.winner))
    with transaction.atomic():  # heavy contention: queue on the row lock, one at a time
        state = locked_cursor(pool)
        before = state.last_seller_id
        choice = choose(pool, candidates, country=country, cursor=before)
        if choice.winner is None:
            return choice, None
        state.last_seller_id = choice.winner
        state.assignments += 1
        state.save(update_fields=["last_seller", "assignments", "updated_at"])
    return choice, Turn(pool_key=pool.key, before=before, taken=state_id(choice.winner))


def settle_turn(turn: Turn, seller_id: Any) -> None:
    """The booking went to ``seller_id``: when the turn's winner turned out busy, the
    cursor moves on to who got it, unless a later turn moved it already (compare and set).
    Runs in the booking's transaction, so it is undone with it."""
    if str(seller_id) != str(turn.taken):
        RoutingState.objects.filter(pool_key=turn.pool_key, last_seller_id=turn.taken).update(
            last_seller_id=seller_id, updated_at=timezone.now()
        )


def release_turn(turn: Turn) -> None:
    """Nobody got the booking: hand the turn back, unless a later turn moved the cursor
    already (compare and set; then that seller's turn is spent, a drift of one at most per
    failed booking, only under concurrency)."""
    RoutingState.objects.filter(pool_key=turn.pool_key, last_seller_id=turn.taken).update(
        last_seller_id=turn.before,
        assignments=Greatest(F("assignments") - 1, 0),
        updated_at=timezone.now(),
    )


def choose(
    pool: Pool,
    candidates: Sequence[CandidateStats],
    *,
    country: str = "",
    cursor: Any = None,
    now: dt.datetime | None = None,
) -> Choice:
    """Run the pool's strategy over the free candidates (pure once the figures are in).
    For ``scored``: their recent conversion (1 query) and the configured scorer first."""
    context = RoutingContext(
        pool=tuple(str(s.pk) for s in pool.sellers),
        cursor=str(cursor) if cursor else None,
        country=country or "",
        region=region_of_country(country) or "",
    )
    if pool.strategy == Scored.name:
        candidates, context = scoring.score(with_conversion(candidates, now=now), context)
    return get_strategy(pool.strategy).choose(candidates, context)


def with_conversion(
    candidates: Sequence[CandidateStats], *, now: dt.datetime | None = None
) -> list[CandidateStats]:
    """The candidates with ``conversion``: won deals per held (completed or no-show)
    meeting over ``CONVERSION_WINDOW``, from SellerMetric; None without held meetings.
    1 query."""
    since = ((now or timezone.now()) - CONVERSION_WINDOW).date()
    rows = (
        SellerMetric.objects.filter(
            seller_id__in=[c.seller_id for c in candidates], date__gte=since
        )
        .values("seller_id")
        .annotate(held=Sum("completed") + Sum("no_show"), won=Sum("deals_won"))
    )
    rates = {str(r["seller_id"]): r["won"] / r["held"] for r in rows if r["held"]}
    return [dataclasses.replace(c, conversion=rates.get(c.seller_id)) for c in candidates]


def calendar_broken_members(team_id: Any) -> QuerySet[Seller]:
    """The active members of a team whose calendar connection is broken (``eligible_sellers``
    and ``rule_pool`` leave them out)."""
    return Seller.objects.filter(
        memberships__team_id=team_id, is_active=True, calendars__status="broken"
    )


def calendar_broken_note(pool: Pool) -> str:
    """Who of a team pool was left out because their calendar connection is broken, for the
    decision. 1 query."""
    if pool.team_id is None:
        return ""
    names = sorted(set(calendar_broken_members(pool.team_id).values_list("name", flat=True)))
    return f"left out, calendar broken: {', '.join(names)}" if names else ""


def record_assignment(
    *,
    pool: Pool,
    choice: Choice,
    seller_id: Any,
    note: str = "",
    now: dt.datetime | None = None,
    calendars_broken: bool | None = None,
) -> RoutingDecision:
    """Store why ``seller_id`` got the booking and advance the seller's
    ``last_assigned_at`` (the round-robin cursor moved in ``take_turn``). Runs inside the
    booking's transaction; both writes are queued inside ``sqlbatch.collecting()`` (the
    booking may point at the decision before it is written: the key is checked at commit).
    ``calendars_broken`` False: the caller knows nobody of the pool's team has a broken
    calendar (no query for the note). Not idempotent: one call per assignment."""
    now = now or timezone.now()
    reason = choice.reason
    if str(seller_id) != choice.winner:
        reason = f"{reason}; taken a moment ago, so the next candidate got it"
    if pool.rule is not None:
        reason = f"rule “{pool.rule.name}”: {reason}"
    if note:
        reason = f"{reason} ({note})"
    if calendars_broken is not False and (left_out := calendar_broken_note(pool)):
        reason = f"{reason}; {left_out}"
    decision = RoutingDecision(
        page=pool.page,
        strategy=pool.strategy,
        rule=pool.rule,
        candidates=[
            {**choice.figures.get(sid, {"seller": sid}), "rank": rank}
            for rank, sid in enumerate(choice.order, start=1)
        ],
        chosen_id=seller_id,
        reason=reason[:500],
    )
    sqlbatch.insert(RoutingDecision, [decision])
    # update(): last_assigned_at does not change anyone's slots, no cache bump needed.
    sqlbatch.update(Seller.objects.filter(pk=seller_id), last_assigned_at=now)
    return decision
