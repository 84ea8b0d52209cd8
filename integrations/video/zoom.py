"""Zoom meetings through Zoom's REST API with a server-to-server OAuth app.

The account-credentials token is cached (Django cache, shared by workers) until shortly
before it expires. Only ``join_url`` is kept from Zoom's answers, never ``start_url``.

Finding a meeting again after a crash: the booking's ref ends the ``topic`` (``… [mr…]``).
``List meetings`` returns the topic whole (≤ 200 characters) but cuts ``agenda`` short, so a
marker at the end of a long agenda was invisible there and a retry made a second meeting.
Tracking fields would survive too, but exist only where an admin defined them and are not
in the list's answer. Zoom refuses a topic over 200 or an agenda over 2,000 characters, so
both are cut to fit; the list is read page by page (``next_page_token``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from integrations.base import ProviderPermanentError
from integrations.provider_http import check_response, timeout, transport_errors
from integrations.video.base import VideoMeeting, VideoMeetingRequest

PROVIDER = "zoom"
EARLY_REFRESH = dt.timedelta(seconds=60)
TOPIC_MAX = 200
AGENDA_MAX = 2000
PAGE_SIZE = 300  # the largest page List meetings gives


def topic_with_ref(topic: str, ref: str) -> str:
    """``topic`` cut to fit Zoom's 200 characters with `` [ref]`` at its end."""
    suffix = f" [{ref}]"
    room = TOPIC_MAX - len(suffix)
    cut = topic if len(topic) <= room else topic[: room - 1].rstrip() + "…"
    return cut + suffix


class ZoomClient:
    name = PROVIDER

    def __init__(
        self,
        *,
        account_id: str,
        client_id: str,
        client_secret: str,
        api_url: str,
        oauth_url: str,
        timeout_seconds: float,
    ) -> None:
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.timeout = timeout_seconds
        self.session = requests.Session()
        digest = hashlib.sha256(f"{self.oauth_url}|{account_id}|{client_id}".encode()).hexdigest()
        self._cache_key = f"zoom-token:{digest[:32]}"

    @classmethod
    def from_settings(cls) -> ZoomClient:
        return cls(
            account_id=settings.ZOOM_ACCOUNT_ID,
            client_id=settings.ZOOM_CLIENT_ID,
            client_secret=settings.ZOOM_CLIENT_SECRET,
            api_url=settings.ZOOM_API_URL,
            oauth_url=settings.ZOOM_OAUTH_URL,
            timeout_seconds=timeout(),
        )

    # --- token ------------------------------------------------------------------------
    def access_token(self) -> str:
        """A valid account token: cached until ``EARLY_REFRESH`` before its expiry."""
        cached = cache.get(self._cache_key)
        if cached and dt.datetime.fromisoformat(cached["expires_at"]) > timezone.now():
            return cached["token"]
        with transport_errors(PROVIDER):
            response = self.session.post(
                f"{self.oauth_url}/oauth/token",
                params={"grant_type": "account_credentials", "account_id": self.account_id},
                auth=(self.client_id, self.client_secret),
                timeout=self.timeout,
            )
        check_response(PROVIDER, response)
        payload = response.json()
        lifetime = dt.timedelta(seconds=int(payload.get("expires_in", 3600)))
        expires_at = timezone.now() + lifetime - EARLY_REFRESH
        cache.set(
            self._cache_key,
            {"token": payload["access_token"], "expires_at": expires_at.isoformat()},
            timeout=max(1, int((lifetime - EARLY_REFRESH).total_seconds())),
        )
        return payload["access_token"]

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.access_token()}"}
            with transport_errors(PROVIDER):
                response = self.session.request(
                    method, f"{self.api_url}{path}", headers=headers, timeout=self.timeout, **kwargs
                )
            if response.status_code == 401 and attempt == 1:
                cache.delete(self._cache_key)  # revoked or rotated early: fetch a new one once
                continue
            check_response(PROVIDER, response)
            return response
        raise AssertionError("unreachable")

    # --- meetings ---------------------------------------------------------------------
    @staticmethod
    def _body(request: VideoMeetingRequest) -> dict[str, Any]:
        return {
            "topic": topic_with_ref(request.topic, request.ref),
            "type": 2,  # scheduled
            "start_time": request.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": request.duration_minutes,
            "timezone": "UTC",
            "agenda": request.agenda[:AGENDA_MAX],
            "settings": {"join_before_host": False, "waiting_room": True},
        }

    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        marker = f"[{request.ref}]"
        params: dict[str, Any] = {"type": "upcoming", "page_size": PAGE_SIZE}
        while True:
            payload = self._call(
                "GET", f"/users/{request.host_email}/meetings", params=params
            ).json()
            for meeting in payload.get("meetings") or []:
                if (meeting.get("topic") or "").endswith(marker):
                    return VideoMeeting(str(meeting["id"]), meeting["join_url"])
            token = payload.get("next_page_token")
            if not token:
                return None
            params = {**params, "next_page_token": token}

    def me(self) -> dict[str, Any]:
        """The account's own user (``GET /users/me``): the provider check's cheap read."""
        return self._call("GET", "/users/me").json()

    def create(self, request: VideoMeetingRequest) -> VideoMeeting:
        response = self._call(
            "POST", f"/users/{request.host_email}/meetings", json=self._body(request)
        )
        payload = response.json()
        if not payload.get("join_url"):
            raise ProviderPermanentError(PROVIDER, "meeting created without a join_url")
        return VideoMeeting(str(payload["id"]), payload["join_url"])

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        self._call("PATCH", f"/meetings/{meeting_id}", json=self._body(request))

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        try:
            self._call("DELETE", f"/meetings/{meeting_id}")
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise
