"""Whereby rooms through Whereby's REST API (``POST /v1/meetings``), with an API key.

A room is transient: it opens on creation and is removed an hour after its ``endDate``.
The prospect gets ``roomUrl``; ``hostRoomUrl`` (host rights: lock, remove people) goes back
as ``host_url`` for the seller only and is never shown to the prospect. Whereby has no
endpoint to move a room's end, so a reschedule past the room's end makes a new room and
deletes the old one. Whereby cannot list rooms either, so ``find`` returns None: a worker
killed between creating a room and saving its id leaves a spare room that expires by itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import requests
from django.conf import settings
from django.utils.text import slugify

from integrations.base import ProviderPermanentError
from integrations.provider_http import check_response, timeout, transport_errors
from integrations.video.base import VideoMeeting, VideoMeetingRequest

PROVIDER = "whereby"
ROOM_MODES = ("normal", "group")  # normal: up to 4 participants


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def room_prefix(topic: str) -> str:
    """Whereby's ``roomNamePrefix``: lower-case letters and digits, at most 39."""
    return re.sub(r"[^a-z0-9]", "", slugify(topic))[:39]


class WherebyClient:
    name = PROVIDER

    def __init__(
        self, *, api_key: str, api_url: str, room_mode: str, timeout_seconds: float
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.room_mode = room_mode
        self.timeout = timeout_seconds
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {api_key}"})

    @classmethod
    def from_settings(cls) -> WherebyClient:
        return cls(
            api_key=settings.WHEREBY_API_KEY,
            api_url=settings.WHEREBY_API_URL,
            room_mode=settings.WHEREBY_ROOM_MODE,
            timeout_seconds=timeout(),
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        with transport_errors(PROVIDER):
            response = self.session.request(
                method, f"{self.api_url}{path}", timeout=self.timeout, **kwargs
            )
        check_response(PROVIDER, response)
        return response

    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        return None  # no listing in Whereby's API

    def create(self, request: VideoMeetingRequest) -> VideoMeeting:
        body: dict[str, Any] = {
            "endDate": _iso(request.end),
            "roomMode": self.room_mode,
            "fields": ["hostRoomUrl"],
        }
        prefix = room_prefix(request.topic)
        if prefix:
            body["roomNamePrefix"] = prefix
        payload = self._call("POST", "/meetings", json=body).json()
        if not payload.get("roomUrl") or not payload.get("meetingId"):
            raise ProviderPermanentError(PROVIDER, "room created without a roomUrl")
        return VideoMeeting(
            str(payload["meetingId"]), payload["roomUrl"], host_url=payload.get("hostRoomUrl", "")
        )

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> VideoMeeting | None:
        """None while the room outlives the new end; else a new room (the old one deleted)."""
        try:
            room = self._call("GET", f"/meetings/{meeting_id}").json()
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise
            room = {}
        ends = room.get("endDate")
        if ends and dt.datetime.fromisoformat(ends.replace("Z", "+00:00")) >= request.end:
            return None
        replacement = self.create(request)
        if room:
            self.delete(meeting_id, request)
        return replacement

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        try:
            self._call("DELETE", f"/meetings/{meeting_id}")
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise

    def check(self) -> None:
        """A cheap authenticated read for the provider check: an unknown room is 404 with a
        good key and 401 with a bad one."""
        try:
            self._call("GET", "/meetings/0")
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise
