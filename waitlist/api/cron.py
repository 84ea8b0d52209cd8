"""``POST /api/cron/waitlist-check``: one check tick for an external scheduler (seed
design 003, "Autoscale compatible"; used with ``DISABLE_INTERNAL_CRONS=true``)."""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from waitlist.services import monitoring


def cron_secret_matches(authorization: str) -> bool:
    """``Authorization: Bearer <CRON_SECRET>``, compared in constant time; never with an
    empty secret."""
    secret = settings.CRON_SECRET
    if not secret:
        return False
    return hmac.compare_digest(authorization.encode(), f"Bearer {secret}".encode())


class WaitlistCheckCronApi(APIView):
    """Runs one waitlist check tick; the answer counts what it did. A missing or wrong
    secret → 401 ``not_authenticated``."""

    authentication_classes: list[Any] = []  # the Bearer secret is checked below; no CSRF
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="cron"'  # makes DRF answer 401, not 403

    @extend_schema(exclude=True)  # the schema covers /api/v1/; docs/api.md documents this
    def post(self, request: Request) -> Response:
        if not cron_secret_matches(request.headers.get("Authorization", "")):
            raise AuthenticationFailed(_("A valid cron secret is required."))
        return Response(monitoring.run_tick().as_dict())
