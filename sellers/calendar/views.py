"""Google Calendar edges: the staff-only OAuth start and callback, and the push webhook."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sellers.calendar import connections, oauth, push
from sellers.models import Seller

logger = logging.getLogger(__name__)


@staff_member_required
@require_GET
def connect(request: HttpRequest, seller_id: str) -> HttpResponse:
    seller = get_object_or_404(Seller, pk=seller_id)
    if not connections.google_configured():
        messages.error(request, "Google is not configured: set GOOGLE_CLIENT_ID and SECRET.")
        return redirect(reverse("admin:sellers_seller_change", args=[seller.pk]))
    return redirect(oauth.begin(request.session, seller))


@staff_member_required
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    back_to = oauth.return_to(request.session)
    try:
        connection = oauth.complete(
            request.session,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
        )
    except oauth.OAuthError as exc:
        logger.warning("Google OAuth callback refused: %s", exc)
        return HttpResponseBadRequest(f"Could not connect Google Calendar: {exc}")
    from sellers.calendar.tasks import refresh_connection_busy

    connection_id = str(connection.pk)
    transaction.on_commit(lambda: refresh_connection_busy.delay(connection_id=connection_id))
    messages.success(request, f"Google Calendar {connection.account_email} connected.")
    if back_to and url_has_allowed_host_and_scheme(back_to, allowed_hosts=None):
        request.session[oauth.CONNECTED_KEY] = str(connection.pk)
        return redirect(back_to)
    return redirect(reverse("admin:sellers_seller_change", args=[connection.seller_id]))


@csrf_exempt
@require_POST
def notifications(request: HttpRequest) -> HttpResponse:
    """Google's push: 404 for an unknown channel, 403 for a wrong token, else 200 and an
    incremental sync of that connection (after the initial ``sync`` message)."""
    try:
        connection = push.verify_notification(
            request.headers.get("X-Goog-Channel-ID", ""),
            request.headers.get("X-Goog-Channel-Token", ""),
        )
    except push.UnknownChannel:
        return HttpResponse(status=404)
    except push.BadToken:
        logger.warning("push notification with a wrong token refused")
        return HttpResponse(status=403)
    if request.headers.get("X-Goog-Resource-State") != "sync":
        from sellers.calendar.tasks import sync_events

        connection_id = str(connection.pk)
        transaction.on_commit(lambda: sync_events.delay(connection_id=connection_id))
    return HttpResponse(status=200)
