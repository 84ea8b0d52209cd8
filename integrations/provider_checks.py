"""One cheap authenticated read per configured provider, for ``manage.py check_providers``
and the admin's "Check providers" page: OK, or what is wrong in words.

Reads settings only (no domain app): a provider is checked when its settings are set. Per-
seller Google and Outlook OAuth tokens live with the sellers, so for OAuth mode only the
client id and secret are checked (a refresh with a made-up token: Google and Microsoft answer
``invalid_grant`` to a good client and ``invalid_client`` to a bad one).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings

from integrations.base import ProviderError, ProviderPermanentError, ProviderTransientError
from integrations.provider_http import timeout


@dataclass(frozen=True)
class CheckResult:
    provider: str
    ok: bool
    detail: str


def describe(exc: BaseException) -> str:
    """A provider failure in words an operator can act on."""
    message = exc.message if isinstance(exc, ProviderError) else str(exc)
    if "access policy missing" in message or "JITSI_DOMAIN" in message:
        return message
    if isinstance(exc, ProviderTransientError):
        if "timed out" in message or "connection" in message.lower():
            return f"unreachable: {message}"
        return f"temporarily failing, try again: {message}"
    for code, words in (
        ("401", "bad or expired credentials"),
        ("403", "credentials lack a permission or scope"),
        ("404", "not found (wrong account, user or URL)"),
        ("invalid_client", "bad client id or secret"),
        ("invalid_grant", "grant refused"),
    ):
        if code in message:
            return f"{words}: {message}"
    return message


def _google_oauth_client() -> str:
    response = requests.post(
        settings.GOOGLE_TOKEN_URI,
        data={
            "grant_type": "refresh_token",
            "refresh_token": "provider-check",
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
        },
        timeout=timeout(),
    )
    error = (response.json() if response.content else {}).get("error", "")
    if error == "invalid_grant":
        return "client id and secret accepted"
    raise ProviderPermanentError("google", f"token endpoint said {error or response.status_code}")


def _outlook_client() -> str:
    """The app registration, checked like Google's: a made-up refresh token is refused
    ``invalid_grant`` for a good client id and secret, ``invalid_client`` for a bad one."""
    from integrations.calendar.outlook import SCOPES, msal_app

    result = msal_app(timeout()).acquire_token_by_refresh_token(
        "provider-check", scopes=list(SCOPES)
    )
    error = result.get("error", "")
    if error == "invalid_grant":
        return "client id and secret accepted"
    raise ProviderPermanentError("outlook", f"token endpoint said {error or 'yes to nonsense'}")


def _google_service_account() -> str:
    from integrations.calendar import service_account

    ids = service_account.provider(timeout=timeout()).calendars()
    mode = (
        "as " + settings.GOOGLE_IMPERSONATE_USER
        if settings.GOOGLE_IMPERSONATE_USER
        else ("without GOOGLE_IMPERSONATE_USER: no attendees or Meet")
    )
    return f"calendarList read ({len(ids)} calendars), {mode}"


def _teams() -> str:
    from integrations.video.teams import TeamsClient

    client = TeamsClient.from_settings()
    client.access_token()
    user = settings.MS_CHECK_USER
    if not user:
        return "token issued; set MS_CHECK_USER to check a user and the access policy"
    client.probe_access_policy(user)
    return f"token issued, {user} found, access policy granted"


def _pipedrive() -> str:
    from integrations.crm.pipedrive import PipedriveClient

    return f"token of {PipedriveClient.from_settings().me().get('email', '?')}"


def _hubspot() -> str:
    from integrations.crm.hubspot import HubSpotCrm

    return f"portal {HubSpotCrm.from_settings().account_details().get('portalId', '?')}"


def _zoom() -> str:
    from integrations.video.zoom import ZoomClient

    return f"account user {ZoomClient.from_settings().me().get('email', '?')}"


def _whereby() -> str:
    from integrations.video.whereby import WherebyClient

    WherebyClient.from_settings().check()
    return "API key accepted"


def _twilio() -> str:
    from integrations.sms.twilio import TwilioSms

    status = TwilioSms.from_settings().account()
    if status != "active":
        raise ProviderPermanentError("twilio", f"account is {status}")
    return "account active"


def _postmark() -> str:
    base = settings.ANYMAIL.get("POSTMARK_API_URL", "https://api.postmarkapp.com/")
    response = requests.get(
        f"{base.rstrip('/')}/server",
        headers={
            "Accept": "application/json",
            "X-Postmark-Server-Token": settings.ANYMAIL.get("POSTMARK_SERVER_TOKEN", ""),
        },
        timeout=timeout(),
    )
    if response.status_code >= 400:
        raise ProviderPermanentError(
            "postmark", f"HTTP {response.status_code}: {response.text[:200]}"
        )
    return f"server {response.json().get('Name', '?')}"


def _smtp_fallback() -> str:
    import environ

    config = environ.Env.email_url_config(settings.EMAIL_FALLBACK_URL)
    kind = smtplib.SMTP_SSL if config.get("EMAIL_USE_SSL") else smtplib.SMTP
    with kind(config["EMAIL_HOST"], config.get("EMAIL_PORT") or 25, timeout=timeout()) as smtp:
        smtp.ehlo()
        if config.get("EMAIL_USE_TLS"):
            smtp.starttls()
        if config.get("EMAIL_HOST_USER"):
            smtp.login(config["EMAIL_HOST_USER"], config.get("EMAIL_HOST_PASSWORD", ""))
        smtp.noop()
    return "server answers"


def configured() -> list[tuple[str, Callable[[], str]]]:
    """(name, check) for every provider whose settings are set."""
    s = settings
    entries = [
        ("Google Calendar (OAuth client)", bool(s.GOOGLE_CLIENT_ID), _google_oauth_client),
        (
            "Google Calendar (service account)",
            bool(s.GOOGLE_SERVICE_ACCOUNT_FILE),
            _google_service_account,
        ),
        ("Outlook / Microsoft 365 (OAuth client)", bool(s.OUTLOOK_CLIENT_ID), _outlook_client),
        ("Microsoft Teams", bool(s.MS_TENANT_ID), _teams),
        ("Pipedrive", bool(s.PIPEDRIVE_API_TOKEN), _pipedrive),
        ("HubSpot", bool(s.HUBSPOT_ACCESS_TOKEN), _hubspot),
        ("Zoom", bool(s.ZOOM_ACCOUNT_ID), _zoom),
        ("Whereby", bool(s.WHEREBY_API_KEY), _whereby),
        ("Twilio", bool(s.TWILIO_ACCOUNT_SID), _twilio),
        ("Email (Postmark)", "postmark" in s.EMAIL_BACKEND, _postmark),
        ("Email (SMTP fallback)", bool(s.EMAIL_FALLBACK_URL), _smtp_fallback),
    ]
    return [(name, check) for name, on, check in entries if on]


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in configured():
        try:
            detail = check()
        except (ProviderError, requests.RequestException, smtplib.SMTPException, OSError) as exc:
            results.append(CheckResult(name, False, describe(exc)))
        else:
            results.append(CheckResult(name, True, detail))
    return results
