"""Microsoft Teams meetings through Microsoft Graph, with an app-only token from msal.

Graph addresses online meetings by the organizer's object id, not their email: the seller's
UPN is resolved once with ``GET /users/{upn}?$select=id`` (cached a day) and create, update
and delete go to ``/users/{object-id}/onlineMeetings``. ``createOrGet`` with our booking id
as ``externalId`` makes creation idempotent on Graph's side.

App-only calls also need an application access policy granted to each organizer
(``New-CsApplicationAccessPolicy`` / ``Grant-CsApplicationAccessPolicy``); without it Graph
answers 403 "No application access policy found for this app", which is raised as "access
policy missing for <user>" so the seller's sync error says what to fix. The msal
application (and so its token cache) lives as long as the worker process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from typing import Any

import msal
import requests
from django.conf import settings
from django.core.cache import cache

from integrations.base import (
    ProviderAccountError,
    ProviderPermanentError,
    ProviderTransientError,
)
from integrations.provider_http import check_response, timeout, transport_errors
from integrations.video.base import VideoMeeting, VideoMeetingRequest

PROVIDER = "teams"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# msal error codes that no retry will fix (bad tenant, client id or secret).
PERMANENT_TOKEN_ERRORS = {"invalid_client", "unauthorized_client", "invalid_request"}
OBJECT_ID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
USER_ID_TTL = 24 * 3600
POLICY_MISSING = "no application access policy"

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

    def _call(self, method: str, path: str, *, user: str = "", **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        with transport_errors(PROVIDER):
            response = self.session.request(
                method, f"{self.graph_url}{path}", headers=headers, timeout=self.timeout, **kwargs
            )
        if response.status_code == 403 and POLICY_MISSING in response.text.lower():
            raise ProviderAccountError(
                PROVIDER,
                f"access policy missing for {user or 'this user'}: grant the app's application "
                "access policy to them (Grant-CsApplicationAccessPolicy)",
            )
        check_response(PROVIDER, response)
        return response

    # --- users ------------------------------------------------------------------------
    def user_id(self, user: str) -> str:
        """The Entra object id of ``user`` (a UPN/email or already an id); cached a day."""
        if OBJECT_ID.match(user):
            return user
        key = (
            "teams-user:" + hashlib.sha256(f"{self.tenant_id}|{user.lower()}".encode()).hexdigest()
        )
        cached = cache.get(key)
        if cached:
            return cached
        try:
            response = self._call("GET", f"/users/{user}", params={"$select": "id"}, user=user)
        except ProviderPermanentError as exc:
            if "HTTP 404" in exc.message:
                raise ProviderAccountError(
                    PROVIDER, f"no Microsoft 365 user {user} in tenant {self.tenant_id}"
                ) from exc
            raise
        object_id = str(response.json()["id"])
        cache.set(key, object_id, timeout=USER_ID_TTL)
        return object_id

    def probe_access_policy(self, user: str) -> None:
        """A read that needs the access policy: list the user's meetings by a join URL that
        matches none. Raises "access policy missing for <user>" when it is not granted."""
        object_id = self.user_id(user)
        try:
            self._call(
                "GET",
                f"/users/{object_id}/onlineMeetings",
                params={"$filter": "JoinWebUrl eq 'https://teams.microsoft.com/l/meetup-join/0'"},
                user=user,
            )
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise

    # --- meetings ---------------------------------------------------------------------
    def find(self, request: VideoMeetingRequest) -> VideoMeeting | None:
        return None  # createOrGet is already idempotent by externalId

    def create(self, request: VideoMeetingRequest) -> VideoMeeting:
        response = self._call(
            "POST",
            f"/users/{self.user_id(request.host_email)}/onlineMeetings/createOrGet",
            user=request.host_email,
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

    def _meeting_path(self, meeting_id: str, request: VideoMeetingRequest) -> str:
        return f"/users/{self.user_id(request.host_email)}/onlineMeetings/{meeting_id}"

    def update(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        self._call(
            "PATCH",
            self._meeting_path(meeting_id, request),
            user=request.host_email,
            json={
                "subject": request.topic,
                "startDateTime": _iso(request.start),
                "endDateTime": _iso(request.end),
            },
        )

    def delete(self, meeting_id: str, request: VideoMeetingRequest) -> None:
        # The path names the organizer by object id, so a 404 here is the meeting itself.
        path = self._meeting_path(meeting_id, request)
        try:
            self._call("DELETE", path, user=request.host_email)
        except ProviderPermanentError as exc:
            if "HTTP 404" not in exc.message:
                raise
