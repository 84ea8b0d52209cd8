"""Google's OAuth web flow (google-auth-oauthlib) with PKCE: the consent URL and the code
exchange. Plain values in and out; where the state and the tokens are kept is the caller's
business (sellers.calendar.oauth keeps them in the session and on the seller's connection).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from integrations.base import ProviderError
from integrations.calendar.google import SCOPES, GoogleCalendar

# Google may grant fewer scopes than asked (granular consent); we store what was granted
# instead of letting oauthlib raise.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


class OAuthError(Exception):
    """The flow cannot be completed: denied consent, failed exchange, no refresh token."""


@dataclass(frozen=True)
class Consent:
    """Where to send the user, and what to remember until Google calls back."""

    url: str
    state: str
    code_verifier: str


@dataclass(frozen=True)
class Grant:
    """What a completed flow yields: the tokens and the account they belong to."""

    account_email: str
    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None
    scopes: tuple[str, ...]


def _flow(**kwargs: Any) -> Flow:
    config = {
        "web": {
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
            "auth_uri": settings.GOOGLE_AUTH_URI,
            "token_uri": settings.GOOGLE_TOKEN_URI,
            "redirect_uris": [settings.GOOGLE_REDIRECT_URI],
        }
    }
    flow = Flow.from_client_config(config, scopes=list(SCOPES), **kwargs)
    flow.redirect_uri = settings.GOOGLE_REDIRECT_URI
    return flow


def consent(*, login_hint: str) -> Consent:
    """The consent URL (offline access, forced consent so Google always returns a refresh
    token) with a fresh state and PKCE verifier."""
    flow = _flow(autogenerate_code_verifier=True)
    url, state = flow.authorization_url(
        access_type="offline", prompt="consent", login_hint=login_hint
    )
    return Consent(url=url, state=state, code_verifier=flow.code_verifier)


def exchange(*, state: str, code: str, code_verifier: str) -> Grant:
    """Exchange ``code`` with the verifier; read the account's primary calendar id.
    Calls Google's token endpoint and calendar API. Raises OAuthError."""
    flow = _flow(state=state, code_verifier=code_verifier, autogenerate_code_verifier=False)
    try:
        flow.fetch_token(code=code, timeout=settings.GOOGLE_TIMEOUT)
    except (OAuth2Error, requests.RequestException, Warning) as exc:
        raise OAuthError(f"the code exchange failed: {exc}") from exc
    credentials = flow.credentials
    if not credentials.refresh_token:
        raise OAuthError("Google returned no refresh token; remove access and connect again")
    try:
        account_email = GoogleCalendar(credentials).primary_calendar_id()
    except ProviderError as exc:
        raise OAuthError(f"cannot read the calendar: {exc}") from exc
    granted = flow.oauth2session.token.get("scope") or list(SCOPES)
    if isinstance(granted, str):
        granted = granted.split()
    return Grant(
        account_email=account_email,
        access_token=credentials.token,
        refresh_token=credentials.refresh_token,
        expires_at=credentials.expiry.replace(tzinfo=dt.UTC) if credentials.expiry else None,
        scopes=tuple(granted),
    )
