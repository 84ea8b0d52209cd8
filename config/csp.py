"""django-csp's middleware, with the headers of ordinary responses built once.

django-csp builds both headers (policy and report-only) from the settings for every
response, through ``dataclasses.asdict`` and a walk of every directive: about 110 µs,
a third of a warm ``GET …/slots/`` answered from the cache. A response that used no nonce
and carries no per-view policy (``csp_update``, ``csp_replace``, ``csp_exempt``…) gets
exactly the settings' policy, so that string is built once per settings and reused; any
other response goes through django-csp untouched.
"""

from __future__ import annotations

import functools
import http
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What a view or decorator may set on a response to change or drop its policy.
PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
POLICIES = (
    (HEADER, "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
)


@functools.cache
def settings_policy(report_only: bool) -> str:
    """The header the settings alone give (empty: none)."""
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        settings_policy.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        nonce_used = getattr(request, "_csp_nonce", None) is not None
        if nonce_used or any(hasattr(response, name) for name in PER_RESPONSE):
            return super().process_response(request, response)
        debug_page = response.status_code in (
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
            http.HTTPStatus.NOT_FOUND,
        )
        if debug_page and settings.DEBUG:
            return response  # as django-csp: Django's debug pages need their inline code
        for header, setting, report_only in POLICIES:
            policy = settings_policy(report_only)
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if (
                policy
                and header not in response
                and not request.path_info.startswith(tuple(excluded))
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
