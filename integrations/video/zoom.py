"""Zoom meetings through Zoom's REST API with a server-to-server OAuth app.

The account-credentials token is cached (Django cache, shared by workers) until shortly
before it expires. Only ``join_url`` is kept from Zoom's answers, never ``start_url``.
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
            "topic": request.topic,
            "type": 2,  # scheduled
            "start_time": request.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": request.duration_minutes,
            "timezone": "UTC",
            "agenda": f"{request.agenda}\n\nRef: {request.ref}".strip(),
            "settings": {"join_before_host": False, "waiting_room": True},
        }

    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        response = self._call(
            "GET",
            f"/users/{request.host_email}/meetings",
            params={"type": "upcoming", "page_size": 300},
        )
        for meeting in response.json().get("meetings") or []:
            if request.ref in (meeting.get("agenda") or ""):
                return VideoMeeting(str(meeting["id"]), meeting["join_url"])
        return None

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
