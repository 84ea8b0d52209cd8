"""HTTP status and ``requests`` failures mapped onto the provider error contract.

Shared by the adapters that speak plain HTTP through ``requests`` (Pipedrive, Zoom,
Microsoft Graph): 429 and 5xx are transient (429 keeps its Retry-After), every other 4xx is
permanent, timeouts and connection errors are transient.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from integrations.base import ProviderPermanentError, ProviderTransientError


def timeout() -> float:
    """Seconds a single provider call may take (connect and read)."""
    return float(settings.PROVIDER_TIMEOUT)


def retry_after_seconds(headers: Mapping[str, Any] | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not headers:
        return None
    lowered = {str(k).lower(): v for k, v in dict(headers).items()}
    value = lowered.get("retry-after")
    if value in (None, ""):
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def raise_for_status(
    provider: str, status: int, message: str, headers: Mapping[str, Any] | None = None
) -> None:
    """Raise the contract's error for an HTTP ``status``; return quietly on 1xx–3xx."""
    if status < 400:
        return
    if status == 429:
        raise ProviderTransientError(
            provider, f"rate limited (429): {message}", retry_after_seconds(headers)
        )
    if status >= 500 or status == 408:
        raise ProviderTransientError(
            provider, f"HTTP {status}: {message}", retry_after_seconds(headers)
        )
    raise ProviderPermanentError(provider, f"HTTP {status}: {message}")


def check_response(provider: str, response: requests.Response) -> None:
    """``raise_for_status`` for a ``requests`` response, with a short excerpt of its body."""
    if response.status_code < 400:
        return
    raise_for_status(provider, response.status_code, response.text[:300], response.headers)


@contextmanager
def transport_errors(provider: str) -> Iterator[None]:
    """Turn ``requests`` timeouts and connection failures into transient errors."""
    try:
        yield
    except requests.Timeout as exc:
        raise ProviderTransientError(provider, f"timed out: {exc}") from exc
    except requests.ConnectionError as exc:
        raise ProviderTransientError(provider, f"connection failed: {exc}") from exc
    except requests.RequestException as exc:
        raise ProviderTransientError(provider, f"request failed: {exc}") from exc
