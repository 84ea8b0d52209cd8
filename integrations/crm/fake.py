"""An in-memory CRM with the adapters' semantics, for service tests and local runs."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from integrations.crm.base import CrmMeeting, CrmRecordIds, SaveIds


@dataclass
class FakeCrm:
    name: str = "fake"
    contacts: dict[str, str] = field(default_factory=dict)  # email → id
    deals: dict[str, str] = field(default_factory=dict)  # id → title
    meetings: dict[str, dict[str, object]] = field(default_factory=dict)  # id → fields
    notes: dict[str, str] = field(default_factory=dict)  # id → body
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _new_id(self) -> str:
        return str(next(self._ids))

    def _find(self, store: Mapping[str, object], ref: str) -> str:
        return next((key for key, value in store.items() if ref in str(value)), "")

    def push_meeting(self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds) -> CrmRecordIds:
        ids = known
        if not ids.contact_id:
            contact_id = self.contacts.setdefault(meeting.email.lower(), self._new_id())
            ids = ids.with_(contact_id=contact_id)
            save(ids)
        if not ids.deal_id:
            deal_id = self._find(self.deals, meeting.ref) or self._new_id()
            self.deals[deal_id] = meeting.title
            ids = ids.with_(deal_id=deal_id)
            save(ids)
        if not ids.meeting_id:
            ids = ids.with_(meeting_id=self._find(self.meetings, meeting.ref) or self._new_id())
            save(ids)
        self.meetings[ids.meeting_id] = {
            "ref": meeting.ref,
            "contact_id": ids.contact_id,
            "start": meeting.start,
            "end": meeting.end,
            "cancelled": False,
        }
        if not ids.note_id:
            note_id = self._find(self.notes, meeting.ref) or self._new_id()
            self.notes[note_id] = f"{meeting.answers_text()} {meeting.ref}"
            ids = ids.with_(note_id=note_id)
            save(ids)
        return ids

    def cancel_meeting(
        self, meeting: CrmMeeting, known: CrmRecordIds, save: SaveIds
    ) -> CrmRecordIds:
        meeting_id = known.meeting_id or self._find(self.meetings, meeting.ref)
        if meeting_id in self.meetings:
            self.meetings[meeting_id]["cancelled"] = True
        return known
