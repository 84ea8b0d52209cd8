"""An in-memory video provider with the adapters' semantics (for service tests)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from integrations.video.base import VideoMeeting, VideoMeetingRequest


@dataclass
class FakeVideo:
    name: str = "fake"
    meetings: dict[str, dict[str, object]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        for meeting_id, meeting in self.meetings.items():
            if meeting["ref"] == request.ref:
                return VideoMeeting(meeting_id, str(meeting["join_url"]))
        return None

    def create(self, request: VideoMeetingRequest) -> VideoMeeting:
        meeting_id = str(next(self._ids))
        join_url = f"https://video.example.test/j/{meeting_id}"
        self.meetings[meeting_id] = {
            "ref": request.ref,
            "join_url": join_url,
            "start": request.start,
            "end": request.end,
        }
        return VideoMeeting(meeting_id, join_url)

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        self.meetings[meeting_id].update(start=request.start, end=request.end)

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        self.meetings.pop(meeting_id, None)
