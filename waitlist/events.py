"""The waitlist's outbound events, each announced from one place: ``waitlist.joined``
(join), ``waitlist.offered`` (an offer opens), ``waitlist.confirmed`` (an offer became a
booking). Called inside the service's transaction: the outbound webhooks record their
deliveries in it and send them through the outbox after commit."""

from __future__ import annotations

from waitlist.models import WaitlistEntry
from webhooks.events import publish


def joined(entry: WaitlistEntry) -> None:
    _publish("waitlist.joined", entry)


def offered(entry: WaitlistEntry) -> None:
    _publish("waitlist.offered", entry)


def confirmed(entry: WaitlistEntry) -> None:
    _publish("waitlist.confirmed", entry)


def _publish(event_type: str, entry: WaitlistEntry) -> None:
    """The entry as the public waitlist API shows it (times in the person's zone)."""
    from waitlist.api.serializers import PublicEntrySerializer

    fresh = WaitlistEntry.objects.select_related("slot", "hold", "booking").get(pk=entry.pk)
    publish(event_type, {"entry": PublicEntrySerializer(fresh).data})
