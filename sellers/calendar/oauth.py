"""Per-seller OAuth web flow: state and PKCE kept in the session, tokens on the seller's
CalendarConnection.

``begin`` asks the Google adapter for the consent URL and remembers state, code verifier
and seller in the session; ``complete`` checks the state in constant time, has the adapter
exchange the code and stores the tokens, encrypted, on the seller's CalendarConnection
(reactivating a broken one).
"""

from __future__ import annotations

import hmac
from typing import Any

from django.db import transaction

from integrations.calendar import oauth as google_oauth
from integrations.calendar.oauth import OAuthError
from sellers.models import CalendarConnection, Seller

__all__ = ["CONNECTED_KEY", "SESSION_KEY", "OAuthError", "begin", "complete", "return_to"]

SESSION_KEY = "google_oauth"
#: Set by the callback when the flow was begun with ``return_to``: the connection just made,
#: for the page the user returns to (apps above sellers link it to their own rows).
CONNECTED_KEY = "google_oauth_connected"


def begin(session: Any, seller: Seller, *, return_to: str = "") -> str:
    """The Google consent URL for ``seller``; stores state and PKCE verifier in ``session``.
    ``return_to`` (a local path) is where the callback sends the user instead of the
    seller's admin page."""
    consent = google_oauth.consent(login_hint=seller.email)
    session[SESSION_KEY] = {
        "state": consent.state,
        "code_verifier": consent.code_verifier,
        "seller_id": str(seller.pk),
        "return_to": return_to,
    }
    return consent.url


def return_to(session: Any) -> str:
    """Where the flow begun in ``session`` returns to ("" for the seller's admin page)."""
    return (session.get(SESSION_KEY) or {}).get("return_to", "")


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
    grant = google_oauth.exchange(state=state, code=code, code_verifier=pending["code_verifier"])
    with transaction.atomic():
        connection, _ = CalendarConnection.objects.select_for_update().get_or_create(
            seller=seller,
            provider=CalendarConnection.Provider.GOOGLE,
            account_email=grant.account_email,
            defaults={"busy_calendar_ids": ["primary"]},
        )
        connection.access_token = grant.access_token
        connection.refresh_token = grant.refresh_token
        connection.token_expires_at = grant.expires_at
        connection.scopes = list(grant.scopes)
        connection.status = CalendarConnection.Status.ACTIVE
        connection.last_error = ""
        if not connection.busy_calendar_ids:
            connection.busy_calendar_ids = ["primary"]
        connection.save()
    return connection
