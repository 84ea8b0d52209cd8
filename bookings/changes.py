"""What happened to a booking, told to the parts that react to it.

The booking services call ``announce`` inside their transaction, after the booking row and
its event are written, for every status or time change: ``created``, ``rescheduled``,
``cancelled``, ``completed``, ``no_show``. Listeners (reminders, webhooks, the waitlist,
which sits above bookings and so can only listen) register with ``on_booking_change`` at
start-up, usually in their ``AppConfig.ready()``. A listener runs in the same transaction:
rows it writes commit or roll back with the booking; work that must wait for the commit
(a Celery message, an SMS) goes through ``transaction.on_commit`` or the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from bookings.models import Booking

#: ``released``: a booking that never counted (it awaited its email confirmation) is gone
#: and its time is free again; listeners that only follow meetings ignore it.
ChangeKind = Literal["created", "rescheduled", "cancelled", "completed", "no_show", "released"]


@dataclass(frozen=True)
class BookingChange:
    booking: Booking
    kind: ChangeKind
    actor: str
    #: For ``rescheduled``: where the booking was before the move (the time it freed).
    previous_seller_id: UUID | None = None
    previous_start: dt.datetime | None = None
    previous_end: dt.datetime | None = None
    #: The manage link with its plaintext token, when the service holds it (created, and a
    #: reschedule through the manage link); "" otherwise. Listeners that keep it must keep
    #: it encrypted: the booking stores only the token's hash.
    manage_url: str = ""


Listener = Callable[[BookingChange], None]
_listeners: list[Listener] = []


def on_booking_change(listener: Listener) -> None:
    """Register ``listener`` (once: registering the same function again changes nothing)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(change: BookingChange) -> None:
    """Call every listener in registration order; an exception rolls the change back."""
    for listener in list(_listeners):
        listener(change)
