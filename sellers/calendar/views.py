"""Calendar edges: the staff-only OAuth start and callback (Google and Outlook), Google's push
webhook and Microsoft Graph's change notifications."""

from __future__ import annotations

import json
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

from integrations.calendar import outlook
from sellers.calendar import connections, oauth, push
from sellers.models import CalendarConnection, Seller

logger = logging.getLogger(__name__)
Provider = CalendarConnection.Provider


NAMES: dict[str, str] = {Provider.GOOGLE: "Google Calendar", Provider.OUTLOOK: "Outlook"}


def _configured(provider: str) -> bool:
    if provider == Provider.OUTLOOK:
        return outlook.configured()
    return connections.google_configured()


@staff_member_required
@require_GET
def connect(request: HttpRequest, seller_id: str, provider: str = Provider.GOOGLE) -> HttpResponse:
    seller = get_object_or_404(Seller, pk=seller_id)
    if not _configured(provider):
        messages.error(request, f"{NAMES[provider]} is not configured (see docs/operations.md).")
        return redirect(reverse("admin:sellers_seller_change", args=[seller.pk]))
    return redirect(oauth.begin(request.session, seller, provider))


@staff_member_required
@require_GET
def callback(request: HttpRequest, provider: str = Provider.GOOGLE) -> HttpResponse:
    back_to = oauth.return_to(request.session, provider)
    try:
        connection = oauth.complete(
            request.session,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            provider=provider,
        )
    except oauth.OAuthError as exc:
        logger.warning("%s OAuth callback refused: %s", NAMES[provider], exc)
        return HttpResponseBadRequest(f"Could not connect {NAMES[provider]}: {exc}")
    from sellers.calendar.tasks import refresh_connection_busy

    connection_id = str(connection.pk)
    transaction.on_commit(lambda: refresh_connection_busy.delay(connection_id=connection_id))
    messages.success(request, f"{NAMES[provider]} {connection.account_email} connected.")
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


@csrf_exempt
@require_POST
def graph_notifications(request: HttpRequest) -> HttpResponse:
    """Microsoft Graph's change notifications. Creating a subscription, Graph first POSTs
    ``?validationToken=…``: echo it as text/plain within 10 s. Then each notification names
    its subscription and carries our ``clientState`` (checked in constant time): 202, and
    a delta sync of that connection after commit. Notifications that fail the check are
    dropped (Graph would only retry them), so the answer is 202 either way."""
    token = request.GET.get("validationToken")
    if token is not None:
        return HttpResponse(token, content_type="text/plain; charset=utf-8")
    try:
        items = json.loads(request.body).get("value") or []
    except (ValueError, AttributeError):
        return HttpResponseBadRequest("not a change notification collection")
    due = set()
    for item in items if isinstance(items, list) else []:
        try:
            connection = push.verify_notification(
                str(item.get("subscriptionId") or ""), str(item.get("clientState") or "")
            )
        except (push.UnknownChannel, push.BadToken, AttributeError):
            logger.warning("Graph notification refused (unknown subscription or clientState)")
            continue
        due.add(str(connection.pk))
    if due:
        from sellers.calendar.tasks import sync_events

        def run() -> None:
            for connection_id in sorted(due):
                sync_events.delay(connection_id=connection_id)

        transaction.on_commit(run)
    return HttpResponse(status=202)
