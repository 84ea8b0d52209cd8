"""The video boundary: what a booking asks of a video provider and what comes back.

Only the join URL crosses back: a host's start URL (Zoom) opens the meeting as its host,
so it is never returned, stored on the booking or sent to a prospect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class VideoMeetingRequest:
    booking_id: str
    topic: str
    host_email: str
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC
    agenda: str = ""

    @property
    def ref(self) -> str:
        """Our booking's marker on the provider's record, to find it again after a crash."""
        return "mr" + self.booking_id.replace("-", "")[:16]

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class VideoMeeting:
    meeting_id: str
    join_url: str


class VideoProvider(Protocol):
    name: str

    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        """The meeting made earlier for this booking, if the provider can tell."""
        ...

    def create(self, request: VideoMeetingRequest) -> VideoMeeting: ...

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> None: ...

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        """Remove the meeting; one already gone counts as done."""
        ...
