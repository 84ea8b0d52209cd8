"""Where the monitoring hands a slot over to the offer flow — the one seam between them.

``monitoring`` calls these two functions and nothing else of the offer flow: ``offer_next``
when an external calendar shows a watched slot free (the slot is already marked
``available``), ``tell_entries_expired`` after a slot passed and its entries were marked
``expired``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from waitlist.models import WaitlistEntry, WaitlistSlot
from waitlist.services import messages, offers

logger = logging.getLogger(__name__)


def offer_next(slot: WaitlistSlot) -> WaitlistEntry | None:
    """Offer ``slot``'s freed time to the entries next in line (priority, then join time).

    A slot of one of our meeting types: the first entry whose wanted time a seller of the
    page can take gets a hold and its text (``offers.offer_now``). A business slot kept
    only on its external calendar has no booking page to hold or book through: its first
    entry is the one to be offered, and the slot's ``available`` status is the durable
    mark staff act on from the waitlist dashboard. Runs inside the caller's transaction.
    Returns that entry, or None when nobody waits (or nobody could be held)."""
    waiting = list(
        WaitlistEntry.objects.select_for_update()
        .filter(slot=slot, status=WaitlistEntry.Status.PENDING)
        .order_by("priority", "created_at", "id")
    )
    if slot.meeting_type_id is None:
        if waiting:
            logger.info(
                "waitlist slot %s is free: entry %s is to be offered it", slot.pk, waiting[0].pk
            )
        return waiting[0] if waiting else None
    for entry in waiting:
        if offers.offer_now(entry=entry):
            return entry
    logger.info("waitlist slot %s is free but no waiting entry could be held", slot.pk)
    return None


def tell_entries_expired(entry_ids: Sequence[uuid.UUID]) -> None:
    """After commit: these entries' slot passed and they were marked ``expired``; text
    each person once (``send_text`` marks what it sent, so a second call sends nothing)."""
    if entry_ids:
        logger.info("waitlist: %d entries expired with their slot", len(entry_ids))
    for entry in WaitlistEntry.objects.filter(pk__in=list(entry_ids)).select_related("slot"):
        messages.send_after_commit(entry, messages.expired_text(entry))
