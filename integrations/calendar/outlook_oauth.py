"""The Microsoft identity platform's authorization code flow with PKCE, through msal:
the consent URL and the code exchange for a seller's delegated Outlook tokens.

msal builds the PKCE verifier, state and nonce into a ``flow`` dict that must come back
unchanged with the redirect (the caller keeps it in the session); ``offline_access`` is
added by msal itself, so Microsoft returns a refresh token.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations.base import ProviderError
from integrations.calendar.base import Tokens
from integrations.calendar.oauth import Consent, Grant, OAuthError
from integrations.calendar.outlook import SCOPES, OutlookCalendar, msal_app


def consent(*, login_hint: str) -> tuple[Consent, dict[str, Any]]:
    """The consent URL and msal's flow (state, PKCE verifier, nonce) to keep until the
    redirect."""
    flow = msal_app().initiate_auth_code_flow(
        list(SCOPES),
        redirect_uri=settings.OUTLOOK_REDIRECT_URI,
        login_hint=login_hint or None,
        prompt="select_account",
    )
    return Consent(
        url=flow["auth_uri"], state=flow["state"], code_verifier=flow["code_verifier"]
    ), flow


def exchange(*, flow: dict[str, Any], params: dict[str, str]) -> Grant:
    """Redeem the redirect's ``params`` (code, state) for tokens; read the account's address.
    Calls the token endpoint and Graph ``/me``. Raises OAuthError."""
    try:
        result = msal_app().acquire_token_by_auth_code_flow(flow, params, scopes=list(SCOPES))
    except ValueError as exc:  # msal: state mismatch or a reused flow
        raise OAuthError(f"the sign-in could not be completed: {exc}") from exc
    except ProviderError as exc:
        raise OAuthError(str(exc)) from exc
    if "access_token" not in result:
        raise OAuthError(
            f"Microsoft refused: {result.get('error')}: {result.get('error_description', '')}"
        )
    if not result.get("refresh_token"):
        raise OAuthError("Microsoft returned no refresh token (offline_access not granted)")
    expires_at = timezone.now() + dt.timedelta(seconds=int(result.get("expires_in", 3600)))
    tokens = Tokens(result["access_token"], result["refresh_token"], expires_at)
    try:
        account_email = OutlookCalendar(tokens).account_email()
    except ProviderError as exc:
        raise OAuthError(f"cannot read the account: {exc}") from exc
    scopes = result.get("scope") or list(SCOPES)
    return Grant(
        account_email=account_email,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=expires_at,
        scopes=tuple(scopes.split() if isinstance(scopes, str) else scopes),
    )
