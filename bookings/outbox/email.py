"""Outbox handler of the ``email`` target: the prospect's and the seller's email for a
booking change (create → confirmation, update → reschedule, cancel → cancellation).

Idempotent per job: after each message the ESP accepted, its recipient role is recorded in
``job.payload["sent_to"]`` (committed at once, outside any transaction), and roles already
there are skipped, so a retry after the seller's message failed does not resend the
prospect's. That write outlasts a database restart (`record.after_side_effect`). The
remaining window is between the ESP accepting a message and that write: a worker killed
exactly there sends that one message again when the job is reclaimed. That is
the side we choose — a duplicate email, never a lost one (marking before sending would
lose the email on the same crash). ESPs give no idempotency key to close it further.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.outbox import messages
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import secret
from bookings.outbox.record import after_side_effect
from integrations.email.fallback import ChannelError, FallbackSender

logger = logging.getLogger(__name__)


def handle(job: SyncJob, *, sender: FallbackSender | None = None) -> None:
    """Send the emails of ``job`` not sent yet; raises the provider errors of ``sender``.

    Changes ``job.payload`` (sent_to, message_ids, delivered_by: "esp"/"smtp", pinned: the
    channel a message must stay on after an uncertain failure); sends at most one email per
    recipient role per job, by one channel.
    """
    sender = sender or FallbackSender.from_settings()
    booking = Booking.objects.select_related("seller", "meeting_type").get(pk=job.booking_pk)
    if job.action != messages.CANCEL and booking.status == BookingStatus.CANCELLED:
        # Cancelled before this confirmation / reschedule went out: the cancellation
        # email tells the story; a late "confirmed" would contradict it.
        logger.info("email job %s: booking %s is cancelled, not sending", job.pk, booking.pk)
        return
    manage_url = secret(job.payload, "manage_url")
    # Asking to confirm concerns the prospect alone: the seller hears once it counts.
    roles = (messages.PROSPECT,) if job.action == messages.CONFIRM else messages.ROLES
    for role in roles:
        if role in job.payload.get("sent_to", []):
            continue
        email = messages.build(booking, action=job.action, role=role, manage_url=manage_url)
        try:
            delivery = sender.deliver(email, pin=job.payload.get("pinned", {}).get(role))
        except ChannelError as exc:
            if exc.pin:
                _save(job, pinned={**job.payload.get("pinned", {}), role: exc.pin})
            raise
        _save(
            job,
            sent_to=[*job.payload.get("sent_to", []), role],
            message_ids={**job.payload.get("message_ids", {}), role: delivery.message_id},
            delivered_by={**job.payload.get("delivered_by", {}), role: delivery.via},
        )


def _save(job: SyncJob, **changes: object) -> None:
    job.payload = {**job.payload, **changes}
    after_side_effect(
        lambda: SyncJob.objects.filter(pk=job.pk).update(
            payload=job.payload, updated_at=timezone.now()
        )
    )
