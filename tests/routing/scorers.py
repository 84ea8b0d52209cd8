"""Scorers the tests plug in through ``ROUTING_SCORER`` (real callables, no mocks)."""

import time


def broken(candidates, context):
    raise RuntimeError("model server down")


def slow(candidates, context):
    time.sleep(1)
    return {c.seller_id: 1.0 for c in candidates}


def partial(candidates, context):
    return {c.seller_id: 1.0 for c in candidates[:1]}


def by_name(candidates, context):
    """Prefers the alphabetically last name, so the winner is known in advance."""
    ranked = sorted(candidates, key=lambda c: c.name)
    return {c.seller_id: float(i) for i, c in enumerate(ranked)}
