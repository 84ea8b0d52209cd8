"""Throttling of the public API (per client IP)."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

logger = logging.getLogger(__name__)


class PublicThrottle(AnonRateThrottle):
    """``DEFAULT_THROTTLE_RATES["public"]`` per IP; off when that rate is None.

    The rate is read on each request (not at import) so settings overrides apply. The
    cache being down lets requests through: the slots answer must not fail with it.
    """

    scope = "public"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("throttle cache unreachable; letting the request through")
            return True
