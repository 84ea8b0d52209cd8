"""Jitsi Meet: no API, a room exists once someone opens its URL. The room name joins the
page's slug to a random part long enough that nobody guesses it.

``JITSI_DOMAIN`` must name the server: there is no default. The public ``meet.jit.si``
has required a logged-in moderator to open a room since 2023, so prospects invited there
wait in a lobby until the seller signs in; a self-hosted Jitsi (or a provider's) with
anonymous room creation works without one.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.text import slugify

from integrations.base import ProviderPermanentError
from integrations.video.base import VideoMeeting, VideoMeetingRequest

PROVIDER = "jitsi"


def configured_domain() -> str:
    """``JITSI_DOMAIN`` as a bare host; a permanent error when it is not set."""
    domain = (settings.JITSI_DOMAIN or "").strip().removeprefix("https://").strip("/")
    if not domain:
        raise ProviderPermanentError(
            PROVIDER,
            "JITSI_DOMAIN is not set: name a Jitsi server where rooms open without a "
            "moderator login (meet.jit.si requires one)",
        )
    return domain


def room_url(page_slug: str, *, domain: str | None = None) -> str:
    """A fresh, unguessable room URL: ``https://<domain>/<page-slug>-<random>``."""
    room = f"{slugify(page_slug) or 'meeting'}-{secrets.token_hex(8)}"
    return f"https://{domain or configured_domain()}/{room}"


class JitsiRooms:
    """A VideoProvider with nothing to call: create makes a URL, the rest is a no-op."""

    name = PROVIDER

    def __init__(self, page_slug: str) -> None:
        self.page_slug = page_slug

    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        return None

    def create(self, request: VideoMeetingRequest) -> VideoMeeting:
        url = room_url(self.page_slug)
        return VideoMeeting(meeting_id=url.rsplit("/", 1)[1], join_url=url)

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        return None  # the room has no time: the invitation carries it

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        return None  # nothing to remove; the link simply stops being shared
