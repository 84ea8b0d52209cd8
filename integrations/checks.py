"""System checks of the provider settings: a provider is on only when fully configured, and a
half-configured one stops ``manage.py check`` / ``runserver`` / ``migrate`` and the Celery
worker (see ``IntegrationsConfig.ready``) with a message naming what is missing.

One module for every provider: add a ``ProviderSettings`` entry to ``PROVIDERS`` for
settings that must be set together, or a function decorated with
``@register(TAG)`` for anything else. Error ids: ``integrations.E0xx``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.checks import Error, register

TAG = "integrations"


@dataclass(frozen=True)
class ProviderSettings:
    provider: str
    names: tuple[str, ...]  # all set, or none
    hint: str = ""


PROVIDERS: list[ProviderSettings] = [
    ProviderSettings(
        "Google Calendar (OAuth)",
        ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"),
        "Create an OAuth web client in Google Cloud and set both.",
    ),
    ProviderSettings(
        "Outlook / Microsoft 365 calendar",
        ("OUTLOOK_CLIENT_ID", "OUTLOOK_CLIENT_SECRET"),
        "Register an app in Microsoft Entra ID (docs/operations.md#outlook) and set both.",
    ),
    ProviderSettings(
        "Google Calendar (service account)",
        ("GOOGLE_SERVICE_ACCOUNT_FILE", "GOOGLE_SHARED_CALENDAR_ID"),
    ),
    ProviderSettings(
        "Pipedrive",
        ("PIPEDRIVE_API_TOKEN", "PIPEDRIVE_COMPANY_DOMAIN"),
        "The domain is the company's subdomain, e.g. 'acme' for acme.pipedrive.com.",
    ),
    ProviderSettings(
        "Pipedrive webhooks",
        ("PIPEDRIVE_WEBHOOK_USER", "PIPEDRIVE_WEBHOOK_PASSWORD"),
        "The HTTP basic auth user and password entered on the webhook in Pipedrive.",
    ),
    ProviderSettings(
        "Twilio",
        ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"),
        "SMS needs the account SID, its auth token and a sending number.",
    ),
    ProviderSettings(
        "Zoom (server-to-server OAuth)",
        ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"),
    ),
    ProviderSettings(
        "Microsoft Teams (Graph)",
        ("MS_TENANT_ID", "MS_CLIENT_ID", "MS_CLIENT_SECRET"),
    ),
]

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


def _set(name: str) -> bool:
    return bool(getattr(settings, name, ""))


@register(TAG)
def check_providers_fully_configured(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    for entry in PROVIDERS:
        present = [name for name in entry.names if _set(name)]
        missing = [name for name in entry.names if not _set(name)]
        if present and missing:
            errors.append(
                Error(
                    f"{entry.provider} is half-configured: {', '.join(present)} "
                    f"{'is' if len(present) == 1 else 'are'} set but {', '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} not.",
                    hint=entry.hint or f"Set all of {', '.join(entry.names)}, or none.",
                    id="integrations.E001",
                )
            )
    return errors


@register(TAG)
def check_provider_values(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    sid = getattr(settings, "TWILIO_ACCOUNT_SID", "")
    if sid and not TWILIO_SID.match(sid):
        errors.append(
            Error(
                f"TWILIO_ACCOUNT_SID={sid[:6]}… is not an account SID.",
                hint="It starts with 'AC' followed by 32 hexadecimal characters.",
                id="integrations.E002",
            )
        )
    number = getattr(settings, "TWILIO_FROM_NUMBER", "")
    if number and not E164.match(number):
        errors.append(
            Error(
                f"TWILIO_FROM_NUMBER={number!r} is not an E.164 number.",
                hint="Write it as + country code and number, e.g. +14155550100.",
                id="integrations.E003",
            )
        )
    domain = getattr(settings, "PIPEDRIVE_COMPANY_DOMAIN", "")
    if domain and ("/" in domain or " " in domain):
        errors.append(
            Error(
                f"PIPEDRIVE_COMPANY_DOMAIN={domain!r} should be the company subdomain.",
                hint="e.g. 'acme' (or 'acme.pipedrive.com'), without https:// or a path.",
                id="integrations.E004",
            )
        )
    return errors


@register(TAG)
def check_video_and_email_values(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    mode = getattr(settings, "WHEREBY_ROOM_MODE", "normal")
    if getattr(settings, "WHEREBY_API_KEY", "") and mode not in ("normal", "group"):
        errors.append(
            Error(
                f"WHEREBY_ROOM_MODE={mode!r} is not a Whereby room mode.",
                hint="'normal' (up to 4 participants) or 'group'.",
                id="integrations.E007",
            )
        )
    jitsi = getattr(settings, "JITSI_DOMAIN", "")
    if jitsi and ("/" in jitsi.removeprefix("https://") or " " in jitsi):
        errors.append(
            Error(
                f"JITSI_DOMAIN={jitsi!r} should be a host name.",
                hint="e.g. meet.example.org — a Jitsi server where rooms open without a "
                "moderator login (meet.jit.si needs one).",
                id="integrations.E008",
            )
        )
    impersonate = getattr(settings, "GOOGLE_IMPERSONATE_USER", "")
    if impersonate and not getattr(settings, "GOOGLE_SERVICE_ACCOUNT_FILE", ""):
        errors.append(
            Error(
                "GOOGLE_IMPERSONATE_USER is set but GOOGLE_SERVICE_ACCOUNT_FILE is not.",
                hint="Impersonation is for service-account mode; set the key file too, or "
                "unset GOOGLE_IMPERSONATE_USER.",
                id="integrations.E009",
            )
        )
    if getattr(settings, "EMAIL_FALLBACK_URL", None) and not str(
        getattr(settings, "EMAIL_BACKEND", "")
    ).startswith("anymail."):
        errors.append(
            Error(
                "EMAIL_FALLBACK_URL is set but EMAIL_BACKEND is not an anymail ESP.",
                hint="The SMTP fallback backs up an ESP: set EMAIL_BACKEND to an anymail "
                "backend, or send by SMTP alone with EMAIL_URL.",
                id="integrations.E010",
            )
        )
    return errors


@register(TAG)
def check_email_backend(app_configs: object = None, **kwargs: object) -> list[Error]:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    match = re.match(r"^anymail\.backends\.(\w+)\.", backend)
    # Amazon SES takes boto3's own credentials; test and console need none.
    if not match or match.group(1) in ("test", "console", "amazon_ses"):
        return []
    esp = match.group(1).upper()
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    at_root = [name for name in dir(settings) if name.startswith(f"{esp}_")]
    if at_root or any(key.startswith(f"{esp}_") for key in anymail):
        return []
    return [
        Error(
            f"EMAIL_BACKEND is anymail's {match.group(1)} backend but no ANYMAIL_{esp}_* "
            "setting is present.",
            hint=f"Set its credentials, e.g. ANYMAIL_{esp}_API_KEY or ANYMAIL_{esp}_SERVER_TOKEN "
            "(see anymail's page for the ESP).",
            id="integrations.E005",
        )
    ]


@register(TAG)
def check_outbox_numbers(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    minimums = {
        "CIRCUIT_FAILURE_THRESHOLD": 1,
        "CIRCUIT_COOLDOWN_SECONDS": 0,
        "CIRCUIT_TRIAL_SECONDS": 1,
        "SYNC_RETRY_BASE_SECONDS": 0,
        "SYNC_RETRY_CAP_SECONDS": 0,
    }
    for name, minimum in minimums.items():
        value = getattr(settings, name, None)
        if value is None:
            continue
        try:
            ok = float(value) >= minimum
        except (TypeError, ValueError):
            ok = False
        if not ok:
            errors.append(
                Error(f"{name}={value!r} must be a number ≥ {minimum}.", id="integrations.E006")
            )
    return errors
