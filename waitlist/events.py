"""The waitlist's outbound events, each announced from one place: ``waitlist.joined``
(join), ``waitlist.offered`` (an offer opens), ``waitlist.confirmed`` (an offer became a
booking). Called inside the service's transaction; the outbound webhooks (another issue)
deliver from here through the outbox. Today they are logged."""

from __future__ import annotations

import logging

from waitlist.models import WaitlistEntry

logger = logging.getLogger(__name__)


def joined(entry: WaitlistEntry) -> None:
    logger.info("waitlist.joined entry=%s slot=%s", entry.pk, entry.slot_id)


def offered(entry: WaitlistEntry) -> None:
    logger.info("waitlist.offered entry=%s hold=%s", entry.pk, entry.hold_id)


def confirmed(entry: WaitlistEntry) -> None:
    logger.info("waitlist.confirmed entry=%s booking=%s", entry.pk, entry.booking_id)
