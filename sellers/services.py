"""Write use cases of the sellers app."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from sellers.models import Team, TeamMembership


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
