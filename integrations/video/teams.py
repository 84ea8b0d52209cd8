"""Microsoft Teams meetings through Microsoft Graph, with an app-only token from msal.

``POST /users/{seller}/onlineMeetings/createOrGet`` with our booking id as ``externalId``
makes creation idempotent on Graph's side: asking twice returns the same meeting. The msal
application (and so its token cache) lives as long as the worker process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from typing import Any

import msal
import requests
from django.conf import settings

from integrations.base import ProviderPermanentError, ProviderTransientError
from integrations.provider_http import check_response, timeout, transport_errors
from integrations.video.base import VideoMeeting, VideoMeetingRequest

PROVIDER = "teams"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# msal error codes that no retry will fix (bad tenant, client id or secret).
PERMANENT_TOKEN_ERRORS = {"invalid_client", "unauthorized_client", "invalid_request"}

_apps: dict[str, msal.ConfidentialClientApplication] = {}
_apps_lock = threading.Lock()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TeamsClient:
    name = PROVIDER

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        graph_url: str,
        authority_url: str,
        timeout_seconds: float,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.graph_url = graph_url.rstrip("/")
        self.authority = f"{authority_url.rstrip('/')}/{tenant_id}"
        self.timeout = timeout_seconds
        self.session = requests.Session()

    @classmethod
    def from_settings(cls) -> TeamsClient:
        return cls(
            tenant_id=settings.MS_TENANT_ID,
            client_id=settings.MS_CLIENT_ID,
            client_secret=settings.MS_CLIENT_SECRET,
            graph_url=settings.MS_GRAPH_URL,
            authority_url=settings.MS_AUTHORITY_URL,
            timeout_seconds=timeout(),
        )

    # --- token ------------------------------------------------------------------------
    def _app(self) -> msal.ConfidentialClientApplication:
        secret = hashlib.sha256(self.client_secret.encode()).hexdigest()
        key = f"{self.authority}|{self.client_id}|{secret}"
        with _apps_lock:
            app = _apps.get(key)
            if app is None:
                # Constructing the app fetches the tenant's OpenID configuration.
                with transport_errors(PROVIDER):
                    try:
                        app = msal.ConfidentialClientApplication(
                            self.client_id,
                            client_credential=self.client_secret,
                            authority=self.authority,
                            # A custom MS_AUTHORITY_URL (sovereign cloud, tests) is ours to
                            # vouch for: skip msal's instance discovery against Microsoft.
                            validate_authority=False,
                            instance_discovery=False,
                            timeout=self.timeout,
                        )
                    except ValueError as exc:
                        raise ProviderTransientError(PROVIDER, f"authority: {exc}") from exc
                _apps[key] = app
        return app

    def access_token(self) -> str:
        """An app-only Graph token; msal serves it from its cache until it expires."""
        app = self._app()
        with transport_errors(PROVIDER):
            result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        if "access_token" in result:
            return result["access_token"]
        error = str(result.get("error") or "unknown")
        message = f"token: {error}: {result.get('error_description', '')}"[:300]
        if error in PERMANENT_TOKEN_ERRORS:
            raise ProviderPermanentError(PROVIDER, message)
        raise ProviderTransientError(PROVIDER, message)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        with transport_errors(PROVIDER):
            response = self.session.request(
                method, f"{self.graph_url}{path}", headers=headers, timeout=self.timeout, **kwargs
            )
        check_response(PROVIDER, response)
        return response

    # --- meetings ---------------------------------------------------------------------
    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        return None  # createOrGet is already idempotent by externalId

    def create(self, request: VideoMeetingRequest) -> VideoMeeting:
        response = self._call(
            "POST",
            f"/users/{request.host_email}/onlineMeetings/createOrGet",
            json={
                "externalId": request.booking_id,
                "subject": request.topic,
                "startDateTime": _iso(request.start),
                "endDateTime": _iso(request.end),
            },
        )
        payload = response.json()
        join_url = payload.get("joinWebUrl") or payload.get("joinUrl")
        if not join_url:
            raise ProviderPermanentError(PROVIDER, "online meeting created without a join URL")
        return VideoMeeting(str(payload["id"]), join_url)

    @staticmethod
    def _meeting_path(meeting_id: str, request: VideoMeetingRequest) -> str:
        return f"/users/{request.host_email}/onlineMeetings/{meeting_id}"

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        self._call(
            "PATCH",
            self._meeting_path(meeting_id, request),
            json={
                "subject": request.topic,
                "startDateTime": _iso(request.start),
                "endDateTime": _iso(request.end),
            },
        )

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        try:
            self._call("DELETE", self._meeting_path(meeting_id, request))
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise
