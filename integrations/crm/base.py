"""The CRM boundary: what a booking looks like to a CRM, and what a CRM gives back.

Adapters (Pipedrive, HubSpot, the in-memory fake) take and return these frozen values,
never SDK objects. ``ref`` is our booking's marker in the CRM (in titles and notes): it is
how an adapter finds a record it created before a crash kept us from saving its id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True)
class CrmMeeting:
    booking_id: str
    name: str
    email: str
    phone: str
    company: str
    meeting_type: str
    seller_name: str
    seller_email: str
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC
    timezone: str
    location: str
    answers: tuple[tuple[str, str], ...] = ()
    notes: str = ""
    #: How the meeting went: "scheduled" (not yet), "completed" or "no_show".
    outcome: str = "scheduled"

    @property
    def ref(self) -> str:
        """Marker written into the CRM records (one token, no separators to split on)."""
        return "mr" + self.booking_id.replace("-", "")[:16]

    @property
    def title(self) -> str:
        who = self.company or self.name
        return f"{who} · {self.meeting_type} [{self.ref}]"

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def answers_text(self) -> str:
        lines = [f"{question}: {answer}" for question, answer in self.answers]
        if self.notes:
            lines.append(f"Notes: {self.notes}")
        return "\n".join(lines) or "No answers."


@dataclass(frozen=True)
class CrmRecordIds:
    """External ids of the records a booking owns in one CRM ('' when not known yet).

    Pipedrive: contact = person, deal = deal, meeting = activity.
    HubSpot: contact = contact, meeting = meeting engagement, note = note.
    """

    contact_id: str = ""
    deal_id: str = ""
    meeting_id: str = ""
    note_id: str = ""

    def with_(self, **changes: str) -> CrmRecordIds:
        return replace(self, **changes)


SaveIds = Callable[[CrmRecordIds], None]


class CrmProvider(Protocol):
    name: str

    def push_meeting(self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds) -> CrmRecordIds:
        """Make the CRM hold the booking as it is now: contact, deal/note and meeting,
        created when missing (found again by ``ref`` first) and updated otherwise.

        Calls ``save`` after each record is created so a crash never duplicates one.
        Idempotent.
        """
        ...

    def cancel_meeting(
        self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds
    ) -> CrmRecordIds:
        """Mark the booking's meeting cancelled in the CRM. Idempotent; a missing record
        counts as done."""
        ...
