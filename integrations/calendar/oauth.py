"""Per-seller OAuth web flow (google-auth-oauthlib), state and PKCE kept in the session.

``begin`` builds the consent URL (offline access, forced consent so Google always returns a
refresh token) and remembers state, code verifier and seller in the session; ``complete``
checks the state in constant time, exchanges the code with the verifier and stores the
tokens, encrypted, on the seller's CalendarConnection (reactivating a broken one).
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from integrations.base import ProviderError
from integrations.calendar.google import SCOPES, GoogleCalendar
from sellers.models import CalendarConnection, Seller

# Google may grant fewer scopes than asked (granular consent); we store what was granted
# instead of letting oauthlib raise.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")

SESSION_KEY = "google_oauth"


class OAuthError(Exception):
    """The callback cannot be completed: state mismatch, denied consent, failed exchange."""


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


def begin(session: Any, seller: Seller) -> str:
    """The Google consent URL for ``seller``; stores state and PKCE verifier in ``session``."""
    flow = _flow(autogenerate_code_verifier=True)
    url, state = flow.authorization_url(
        access_type="offline", prompt="consent", login_hint=seller.email
    )
    session[SESSION_KEY] = {
        "state": state,
        "code_verifier": flow.code_verifier,
        "seller_id": str(seller.pk),
    }
    return url


def complete(session: Any, *, state: str, code: str, error: str = "") -> CalendarConnection:
    """Finish the flow begun in this session and store the seller's tokens (encrypted).

    Calls Google's token endpoint and calendar API; creates or updates the seller's Google
    CalendarConnection (status active). The session's flow is used once. Raises OAuthError.
    """
    pending = session.pop(SESSION_KEY, None)
    if not pending or not state or not hmac.compare_digest(pending["state"], state):
        raise OAuthError("the sign-in state does not match; start again from the admin")
    if error:
        raise OAuthError(f"Google refused: {error}")
    if not code:
        raise OAuthError("Google sent no authorization code")
    seller = Seller.objects.filter(pk=pending["seller_id"]).first()
    if seller is None:
        raise OAuthError("the seller no longer exists")
    flow = _flow(
        state=state, code_verifier=pending["code_verifier"], autogenerate_code_verifier=False
    )
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
    expires_at = credentials.expiry.replace(tzinfo=dt.UTC) if credentials.expiry else None
    granted = flow.oauth2session.token.get("scope") or list(SCOPES)
    if isinstance(granted, str):
        granted = granted.split()
    with transaction.atomic():
        connection, _ = CalendarConnection.objects.select_for_update().get_or_create(
            seller=seller,
            provider=CalendarConnection.Provider.GOOGLE,
            account_email=account_email,
            defaults={"busy_calendar_ids": ["primary"]},
        )
        connection.access_token = credentials.token
        connection.refresh_token = credentials.refresh_token
        connection.token_expires_at = expires_at
        connection.scopes = list(granted)
        connection.status = CalendarConnection.Status.ACTIVE
        connection.last_error = ""
        if not connection.busy_calendar_ids:
            connection.busy_calendar_ids = ["primary"]
        connection.save()
    return connection
