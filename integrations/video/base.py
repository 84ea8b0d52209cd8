"""The video boundary: what a booking asks of a video provider and what comes back.

The join URL crosses back for everyone. Zoom's ``start_url`` logs whoever opens it in as
the host account, so it is never returned; Whereby's ``hostRoomUrl`` only grants host
rights in that one room and comes back as ``host_url``, for the seller alone — never
stored where the prospect sees it or sent to them.
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
    host_url: str = ""  # for the seller only


class VideoProvider(Protocol):
    name: str

    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        """The meeting made earlier for this booking, if the provider can tell."""
        ...

    def create(self, request: VideoMeetingRequest) -> VideoMeeting: ...

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> VideoMeeting | None:
        """Move the meeting; a provider that cannot returns the new meeting replacing it."""
        ...

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        """Remove the meeting; one already gone counts as done."""
        ...
