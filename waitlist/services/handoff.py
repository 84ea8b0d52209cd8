"""Where the monitoring hands a slot over to the offer flow — the one seam between them.

``monitoring`` calls these two functions and nothing else of the offer flow: ``offer_next``
when an external calendar shows a watched slot free (the slot is already marked
``available``), ``tell_entries_expired`` after a slot passed and its entries were marked
``expired``. The offer flow (holds, offer tokens, SMS) replaces their bodies with calls to
its own services; until then they do the least that keeps the queue honest.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from waitlist.models import WaitlistEntry, WaitlistSlot

logger = logging.getLogger(__name__)


def offer_next(slot: WaitlistSlot) -> WaitlistEntry | None:
    """The entry next in line for ``slot`` (priority, then join time), which is to get the
    offer; None when nobody waits. Runs inside the caller's transaction and locks that
    entry's row. Changes nothing itself: the slot's ``available`` status is the durable
    "to be offered" mark the offer flow picks up."""
    entry = (
        WaitlistEntry.objects.select_for_update()
        .filter(slot=slot, status=WaitlistEntry.Status.PENDING)
        .order_by("priority", "created_at")
        .first()
    )
    if entry is None:
        logger.info("waitlist slot %s is free but nobody waits for it", slot.pk)
    else:
        logger.info("waitlist slot %s is free: entry %s is to be offered it", slot.pk, entry.pk)
    return entry


def tell_entries_expired(entry_ids: Sequence[uuid.UUID]) -> None:
    """After commit: these entries' slot passed and they were marked ``expired``; the
    offer flow tells each person (its SMS). Must be idempotent."""
    if entry_ids:
        logger.info("waitlist: %d entries expired with their slot", len(entry_ids))
