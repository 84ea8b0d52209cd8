"""Write use cases of the sellers app."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from sellers.models import Seller, Team, TeamMembership


@transaction.atomic
def set_team_members(*, team: Team, seller_ids: Iterable[uuid.UUID]) -> None:
    """Make the team's members exactly `seller_ids`.

    Adds and removes membership rows one by one so their signals invalidate the slot cache
    of every seller who joined or left. Idempotent.
    """
    wanted = set(seller_ids)
    current = set(team.memberships.values_list("seller_id", flat=True))
    for membership in team.memberships.filter(seller_id__in=current - wanted):
        membership.delete()
    for seller_id in sorted(wanted - current, key=str):
        TeamMembership.objects.create(team=team, seller_id=seller_id)


def record_provider_problem(*, seller_id: uuid.UUID, provider: str, problem: str = "") -> None:
    """Say on the seller what ``provider`` refuses about their account, or, with no
    ``problem``, clear what that provider said once it works for them again.

    One conditional UPDATE: a problem of another provider is left alone.
    """
    sellers = Seller.objects.filter(pk=seller_id)
    if problem:
        text = problem if problem.startswith(f"{provider}:") else f"{provider}: {problem}"
        sellers.exclude(provider_problem=text[:500]).update(provider_problem=text[:500])
    else:
        sellers.filter(provider_problem__startswith=f"{provider}:").update(provider_problem="")
