"""Per-seller OAuth web flow (Google, or Outlook / Microsoft 365): state and PKCE kept in
the session, tokens on the seller's CalendarConnection.

``begin`` asks the provider's adapter for the consent URL and remembers state, code
verifier (for Outlook: msal's whole flow) and seller in the session; ``complete`` checks the
state in constant time, has the adapter exchange the code and stores the tokens, encrypted,
on the seller's CalendarConnection (reactivating a broken one).
"""

from __future__ import annotations

import hmac
from typing import Any

from django.db import transaction

from integrations.calendar import oauth as google_oauth
from integrations.calendar.oauth import Grant, OAuthError
from sellers.models import CalendarConnection, Seller

__all__ = ["CONNECTED_KEY", "SESSION_KEY", "OAuthError", "begin", "complete", "return_to"]

Provider = CalendarConnection.Provider
SESSION_KEY = "google_oauth"
SESSION_KEYS: dict[str, str] = {Provider.GOOGLE: SESSION_KEY, Provider.OUTLOOK: "outlook_oauth"}
#: Set by the callback when the flow was begun with ``return_to``: the connection just made,
#: for the page the user returns to (apps above sellers link it to their own rows).
CONNECTED_KEY = "google_oauth_connected"


def begin(
    session: Any, seller: Seller, provider: str = Provider.GOOGLE, *, return_to: str = ""
) -> str:
    """The consent URL for ``seller``; stores state and PKCE verifier in ``session``.
    ``return_to`` (a local path) is where the callback sends the user instead of the
    seller's admin page."""
    pending: dict[str, Any] = {"seller_id": str(seller.pk), "return_to": return_to}
    if provider == Provider.OUTLOOK:
        from integrations.calendar import outlook_oauth

        consent, pending["flow"] = outlook_oauth.consent(login_hint=seller.email)
    else:
        consent = google_oauth.consent(login_hint=seller.email)
    pending.update(state=consent.state, code_verifier=consent.code_verifier)
    session[SESSION_KEYS[provider]] = pending
    return consent.url


def return_to(session: Any, provider: str = Provider.GOOGLE) -> str:
    """Where the flow begun in ``session`` returns to ("" for the seller's admin page)."""
    return str((session.get(SESSION_KEYS[provider]) or {}).get("return_to", ""))


def complete(
    session: Any, *, state: str, code: str, error: str = "", provider: str = Provider.GOOGLE
) -> CalendarConnection:
    """Finish the flow begun in this session and store the seller's tokens (encrypted).

    Calls the provider's token endpoint and calendar API; creates or updates the seller's
    CalendarConnection of that provider (status active). The session's flow is used once.
    Raises OAuthError.
    """
    pending = session.pop(SESSION_KEYS[provider], None)
    if not pending or not state or not hmac.compare_digest(pending["state"], state):
        raise OAuthError("the sign-in state does not match; start again from the admin")
    if error:
        raise OAuthError(f"the provider refused: {error}")
    if not code:
        raise OAuthError("no authorization code came back")
    seller = Seller.objects.filter(pk=pending["seller_id"]).first()
    if seller is None:
        raise OAuthError("the seller no longer exists")
    if provider == Provider.OUTLOOK:
        from integrations.calendar import outlook_oauth

        grant = outlook_oauth.exchange(flow=pending["flow"], params={"code": code, "state": state})
        return _store(seller, provider, grant, busy=grant.account_email)
    grant = google_oauth.exchange(state=state, code=code, code_verifier=pending["code_verifier"])
    return _store(seller, provider, grant, busy="primary")


def _store(seller: Seller, provider: str, grant: Grant, *, busy: str) -> CalendarConnection:
    """The seller's connection with these tokens, active. (Outlook's busy calendar is the
    mailbox's address: getSchedule asks by SMTP address.)"""
    with transaction.atomic():
        connection, _ = CalendarConnection.objects.select_for_update().get_or_create(
            seller=seller,
            provider=provider,
            account_email=grant.account_email,
            defaults={"busy_calendar_ids": [busy]},
        )
        connection.access_token = grant.access_token
        connection.refresh_token = grant.refresh_token
        connection.token_expires_at = grant.expires_at
        connection.scopes = list(grant.scopes)
        connection.status = CalendarConnection.Status.ACTIVE
        connection.last_error = ""
        if not connection.busy_calendar_ids:
            connection.busy_calendar_ids = [busy]
        connection.save()
    return connection
