"""Admin of a business's waitlist calendar: the same steps as the API — connect Google,
choose a calendar, switch monitoring on or off, disconnect — each through
``waitlist.services.calendar_config``. The change form edits only plain settings; the
calendar fields move through those buttons."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from config.errors import DomainError
from sellers.models import Seller
from waitlist.models import WaitlistCalendarConfig
from waitlist.services import calendar_config


@admin.register(WaitlistCalendarConfig)
class WaitlistCalendarConfigAdmin(admin.ModelAdmin):
    change_form_template = "admin/waitlist/waitlistcalendarconfig/change_form.html"
    list_display = (
        "business_name",
        "provider",
        "calendar_name",
        "page",
        "is_enabled",
        "check_interval_minutes",
        "response_minutes",
        "last_sync_at",
    )
    list_filter = ("is_enabled", "provider")
    search_fields = ("business_name", "calendar_name", "calendar_id")
    autocomplete_fields = ("page",)
    list_select_related = ("page",)
    fields = (
        "id",
        "business_name",
        "page",
        "provider",
        "connection",
        "calendar_id",
        "calendar_name",
        "is_enabled",
        "check_interval_minutes",
        "response_minutes",
        "last_sync_at",
        "last_error",
        "created_at",
    )
    readonly_fields = (
        "id",
        "provider",
        "connection",
        "calendar_id",
        "calendar_name",
        "is_enabled",
        "last_sync_at",
        "last_error",
        "created_at",
    )

    def get_urls(self) -> list:
        views: dict[str, Callable[..., HttpResponse]] = {
            "connect": connect_view,
            "connected": connected_view,
            "select": select_view,
            "toggle": toggle_view,
            "disconnect": disconnect_view,
        }
        own = [
            path(
                f"<uuid:object_id>/google/{name}/",
                self.admin_site.admin_view(partial(view, self)),
                name=f"waitlist_google_{name}",
            )
            for name, view in views.items()
        ]
        return [*own, *super().get_urls()]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        config = self.get_object(request, object_id)
        tools = calendar_tools(config) if config and self.has_change_permission(request) else []
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "calendar_tools": tools}
        )


def calendar_tools(config: WaitlistCalendarConfig) -> list[tuple[str, str, bool]]:
    """(label, url, is a POST) of the buttons on a config's page."""
    url = partial(_url, config)
    connected = config.connection_id is not None
    tools = [(_("Reconnect Google") if connected else _("Connect Google"), url("connect"), False)]
    if connected:
        tools += [
            (_("Choose calendar"), url("select"), False),
            (
                _("Switch monitoring off") if config.is_enabled else _("Switch monitoring on"),
                url("toggle"),
                True,
            ),
            (_("Disconnect"), url("disconnect"), True),
        ]
    return tools


def _url(config: WaitlistCalendarConfig, name: str) -> str:
    return reverse(f"admin:waitlist_google_{name}", args=[config.pk])


def _config(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: Any) -> Any:
    config = get_object_or_404(
        WaitlistCalendarConfig.objects.select_related("connection", "page"), pk=object_id
    )
    if not model_admin.has_change_permission(request, config):
        raise PermissionDenied
    return config


def _back(config: WaitlistCalendarConfig) -> HttpResponse:
    return redirect(reverse("admin:waitlist_waitlistcalendarconfig_change", args=[config.pk]))


def connect_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: Any) -> Any:
    """Begin Google's sign-in; asks whose account when the page has no single seller."""
    config = _config(model_admin, request, object_id)
    try:
        seller = Seller.objects.filter(pk=uuid.UUID(request.GET.get("seller", ""))).first()
    except ValueError:
        seller = None
    try:
        return redirect(
            calendar_config.begin_google_connect(
                config=config,
                session=request.session,
                return_to=_url(config, "connected"),
                seller=seller,
            )
        )
    except DomainError as exc:
        if "seller" not in exc.fields:
            messages.error(request, exc.message)
            return _back(config)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Whose Google account?"),
        "config": config,
        "sellers": Seller.objects.filter(is_active=True).order_by("name"),
    }
    return TemplateResponse(request, "admin/waitlist/choose_seller.html", context)


def connected_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: Any) -> Any:
    """Where Google's sign-in comes back: link the new connection to the config."""
    config = _config(model_admin, request, object_id)
    try:
        connection = calendar_config.finish_google_connect(config=config, session=request.session)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(config)
    messages.success(
        request,
        _("%(account)s is connected; choose the calendar to watch.")
        % {"account": connection.account_email},
    )
    return redirect(_url(config, "select"))


def select_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: Any) -> Any:
    """GET: the account's calendars to pick from; POST: watch the one picked."""
    config = _config(model_admin, request, object_id)
    try:
        if request.method == "POST":
            calendar_config.select_calendar(
                config=config, calendar_id=request.POST.get("calendar_id", "")
            )
            messages.success(request, _("Calendar selected."))
            return _back(config)
        found = calendar_config.list_calendars(config=config)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(config)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Choose the calendar to watch"),
        "config": config,
        "calendars": found,
    }
    return TemplateResponse(request, "admin/waitlist/choose_calendar.html", context)


def toggle_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: Any) -> Any:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    config = _config(model_admin, request, object_id)
    calendar_config.set_enabled(config=config, is_enabled=not config.is_enabled)
    messages.success(
        request, _("Monitoring is on.") if config.is_enabled else _("Monitoring is off.")
    )
    return _back(config)


def disconnect_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: Any) -> Any:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    config = _config(model_admin, request, object_id)
    calendar_config.disconnect(config=config)
    messages.success(request, _("Google Calendar disconnected from this business."))
    return _back(config)
