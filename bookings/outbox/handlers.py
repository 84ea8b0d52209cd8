"""Which function does the work of an outbox target.

Handler contract — ``handle(job: SyncJob) -> None``:
- idempotent: running it twice for the same job (or after a crash half-way) has one effect
  at the provider (upserts keyed by our booking id);
- loads what it needs from ``job.booking`` (and ``job.payload``), writes external ids on
  the booking through ``bookings.sync_status.record_external_ids``, returns None on
  success;
- raises ``ProviderTransientError`` (retry, counts against the provider's circuit) or
  ``ProviderPermanentError`` (stop, flag for manual sync);
- never sets the ``*_synced`` / ``*_needs_manual_sync`` flags: the worker does.

Handlers are imported lazily by dotted path, so a module that is missing or broken fails
only its own target (the job is retried later), never the others.

A layer above bookings (webhooks) adds a target with ``register_handler`` in its
``AppConfig.ready()``: its jobs carry no booking, set no booking flags, and may name their
own circuit breaker per job (one per webhook endpoint instead of one per provider).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from bookings.outbox.models import SyncJob

Handler = Callable[["SyncJob"], None]

HANDLERS: dict[str, str | Handler] = {
    "calendar": "bookings.outbox.calendar.handle",
    "video": "bookings.outbox.video.handle",
    "pipedrive": "bookings.outbox.crm.handle_pipedrive",
    "hubspot": "bookings.outbox.crm.handle_hubspot",
    "email": "bookings.outbox.email.handle",
    "sms": "bookings.outbox.sms.handle",
}

# Which booking flags a target's outcome sets: ``<flag>_synced`` / ``<flag>_needs_manual_sync``.
FLAGS: dict[str, str] = {
    "calendar": "calendar",
    "video": "calendar",
    "pipedrive": "pipedrive",
    "hubspot": "hubspot",
    "email": "email",
    "sms": "sms",
}


# Targets whose circuit breaker is named per job (``circuit(job) -> name``).
CIRCUITS: dict[str, Callable[[SyncJob], str]] = {}


def register_handler(
    target: str, handler: Handler, *, circuit: Callable[[SyncJob], str] | None = None
) -> None:
    """Run ``handler`` for jobs of ``target`` (a target without booking flags); with
    ``circuit``, each job's breaker is ``circuit(job)`` instead of the target's."""
    HANDLERS[target] = handler
    if circuit is not None:
        CIRCUITS[target] = circuit


def circuit_name(job: SyncJob) -> str:
    """The circuit breaker guarding ``job``'s provider."""
    named = CIRCUITS.get(job.target)
    return named(job) if named else job.target


class HandlerUnavailable(Exception):
    """The target's handler cannot be imported (not installed yet, or broken)."""


def get_handler(target: str) -> Handler:
    """The handler for ``target``; raises HandlerUnavailable when it cannot be imported."""
    try:
        path = HANDLERS[target]
    except KeyError:
        raise HandlerUnavailable(f"no handler registered for target {target!r}") from None
    if callable(path):
        return path
    try:
        return import_string(path)
    except ImportError as exc:
        raise HandlerUnavailable(f"{path} cannot be imported: {exc}") from exc
