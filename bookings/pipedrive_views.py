"""Pipedrive's webhooks (v2) for deals: a deal won, lost, reopened or deleted in Pipedrive is
recorded on its booking (``bookings.services.deals``).

Pipedrive does not sign its webhooks; it sends the HTTP basic auth credentials entered on
the webhook ("Guide for Webhooks v2", pipedrive.readme.io/docs/guide-for-webhooks-v2), which
must match ``PIPEDRIVE_WEBHOOK_USER``/``PASSWORD`` (compared in constant time). A v2 body is
``{"meta": {"action": "change"|"delete", "entity": "deal", "entity_id", "version": "2.0",
…}, "data": {…the deal…} | null, "previous": {…changed fields…} | null}``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bookings.services.deals import outcome_of, record_deal_outcome

logger = logging.getLogger(__name__)


def _authorized(header: str) -> bool:
    scheme, _, encoded = header.partition(" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    user, _, password = decoded.partition(":")
    # Both compared every time, so the answer's timing says nothing about which was wrong.
    user_ok = hmac.compare_digest(user.encode(), settings.PIPEDRIVE_WEBHOOK_USER.encode())
    password_ok = hmac.compare_digest(
        password.encode(), settings.PIPEDRIVE_WEBHOOK_PASSWORD.encode()
    )
    return scheme.lower() == "basic" and user_ok and password_ok


def _deal_change(body: Any) -> tuple[str, str] | None:
    """(deal id, our outcome) of a v2 deal change/delete; None for anything else."""
    meta = body.get("meta") or {}
    if meta.get("entity") != "deal" or meta.get("action") not in ("change", "delete"):
        return None
    data = body.get("data") or {}
    deal_id = str(data.get("id") or meta.get("entity_id") or "")
    deleted = meta["action"] == "delete"
    return deal_id, outcome_of(data.get("status"), deleted=deleted)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """404 when no credentials are configured, 401 for wrong ones, 400 for a body that is
    not a v2 webhook; otherwise 200 (unknown deals and other events are ignored)."""
    if not settings.PIPEDRIVE_WEBHOOK_USER:
        return HttpResponse(status=404)
    if not _authorized(request.headers.get("Authorization", "")):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Basic realm="pipedrive"'
        return response
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("not JSON")
    if not isinstance(body, dict) or (body.get("meta") or {}).get("version") != "2.0":
        return HttpResponseBadRequest("not a Pipedrive webhooks v2 body")
    change = _deal_change(body)
    if change is None:
        return JsonResponse({"status": "ignored"})
    booking = record_deal_outcome(deal_id=change[0], outcome=change[1])
    if booking is None:
        logger.info("Pipedrive webhook for unknown deal %s ignored", change[0])
        return JsonResponse({"status": "ignored"})
    return JsonResponse({"status": "ok", "outcome": booking.deal_outcome})
