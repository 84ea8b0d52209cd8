"""Back office for webhooks: subscriptions with their delivery log, "Send test event" and
"Redeliver". Forms and actions call ``webhooks.services``, as the API does."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from config.errors import Invalid
from routing.admin import pretty_json
from webhooks import services
from webhooks.models import EventType, WebhookDelivery, WebhookEvent, WebhookSubscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    new_secret = forms.CharField(
        label="Secret",
        required=False,
        strip=True,
        help_text="Leave empty to generate one (on a new subscription) or keep the current "
        "one. It is shown once, right after saving, and never again.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ("url", "description", "events", "is_active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if self.instance.pk is None or url != self.instance.url:
            try:
                services.check_target(url)
            except Invalid as exc:
                raise forms.ValidationError(exc.fields.get("url", [exc.message])) from exc
        return url

    def clean_new_secret(self) -> str:
        secret = self.cleaned_data["new_secret"]
        if secret and len(secret) < services.MIN_SECRET_LENGTH:
            raise forms.ValidationError(f"At least {services.MIN_SECRET_LENGTH} characters.")
        return secret


class DeliveryInline(admin.TabularInline):
    """The newest deliveries; the full log is the delivery list filtered by subscription."""

    model = WebhookDelivery
    extra = 0
    max_num = 0
    fields = ("created_at", "event", "status", "attempts", "response_status", "error_short")
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ("-created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("event", "job")

    @admin.display(description="error")
    def error_short(self, delivery: WebhookDelivery) -> str:
        return Truncator(delivery.last_error).chars(80)


class PostToolAdmin(admin.ModelAdmin):
    """A model admin with one POST button on its change page: ``post_tool`` is (label, URL
    segment, view method); the view is served at ``<id>/<segment>/`` (POST only, behind
    the admin login) and the button is passed to the template as ``post_tools``."""

    change_form_template = "admin/webhooks/change_form_tools.html"
    post_tool: tuple[str, str, str]

    def post_tool_url(self, object_id: Any) -> str:
        _label, segment, _view = self.post_tool
        name = f"{self.opts.app_label}_{self.opts.model_name}_{segment.replace('-', '_')}"
        return reverse(f"admin:{name}", args=[object_id])

    def get_urls(self) -> list:
        _label, segment, view = self.post_tool
        name = f"{self.opts.app_label}_{self.opts.model_name}_{segment.replace('-', '_')}"
        route = path(
            f"<uuid:object_id>/{segment}/",
            self.admin_site.admin_view(require_POST(getattr(self, view))),
            name=name,
        )
        return [route, *super().get_urls()]

    def tools_context(self, object_id: Any, extra_context: dict | None, **more: Any) -> dict:
        button = (self.post_tool[0], self.post_tool_url(object_id))
        return {**(extra_context or {}), "post_tools": [button], **more}


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(PostToolAdmin):
    form = SubscriptionForm
    post_tool = ("Send test event", "send-test", "send_test_view")
    list_display = ("__str__", "url", "events_list", "is_active", "failing_since", "disabled_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = ("failing_since", "disabled_at", "disabled_reason", "created_at")
    fields = ("url", "description", "events", "is_active", "new_secret", *readonly_fields)
    inlines = (DeliveryInline,)

    @admin.display(description="events")
    def events_list(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events)

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: forms.Form, change: bool
    ) -> None:
        fields = {name: form.cleaned_data[name] for name in SubscriptionForm.Meta.fields}
        secret = form.cleaned_data["new_secret"]
        if change:
            # The stored row, not the form's instance (which already carries the new
            # values): the service compares against what was there before.
            stored = WebhookSubscription.objects.get(pk=obj.pk)
            services.update_subscription(stored, **fields, secret=secret)
            return
        created = services.create_subscription(**fields, secret=secret)
        obj.pk, obj.secret = created.pk, created.secret
        obj.created_at = created.created_at
        if not secret:
            self.message_user(
                request,
                f"Signing secret (shown this once — copy it to the receiver now): {created.secret}",
                messages.WARNING,
            )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        log = reverse("admin:webhooks_webhookdelivery_changelist")
        links = [("Delivery log", f"{log}?subscription__id__exact={object_id}")]
        context = self.tools_context(object_id, extra_context, link_tools=links)
        return super().change_view(request, object_id, form_url, context)

    def send_test_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        subscription = get_object_or_404(WebhookSubscription, pk=object_id)
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        delivery = services.send_test_event(subscription)
        self.message_user(
            request,
            f"Test event {delivery.event_id} queued to {subscription.url}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:webhooks_webhooksubscription_change", args=[object_id])
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(PostToolAdmin):
    """The delivery log: read-only, with "Redeliver" (same event id, new delivery)."""

    post_tool = ("Redeliver", "redeliver", "redeliver_view")
    list_display = (
        "created_at",
        "subscription",
        "event_type",
        "event_id",
        "status",
        "attempts",
        "response_status",
        "last_attempt_at",
        "error_short",
    )
    list_filter = ("job__status", "event__type", "subscription")
    search_fields = ("=event__id", "subscription__url")
    list_select_related = ("subscription", "event", "job")
    date_hierarchy = "created_at"
    actions = ("redeliver",)
    fields = (
        "subscription",
        "event",
        "status",
        "job",
        "attempts",
        "last_attempt_at",
        "response_status",
        "duration_ms",
        "response_excerpt",
        "last_error",
        "delivered_at",
        "created_at",
        "body_pretty",
    )
    readonly_fields = fields

    @admin.display(description="type", ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.display(description="event id")
    def event_id(self, delivery: WebhookDelivery) -> str:
        return str(delivery.event_id)

    @admin.display(description="error")
    def error_short(self, delivery: WebhookDelivery) -> str:
        return Truncator(delivery.last_error).chars(80)

    @admin.display(description="body sent")
    def body_pretty(self, delivery: WebhookDelivery) -> str:
        return pretty_json(json.loads(delivery.event.body))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a read-only log; redelivering needs the right to change subscriptions

    def can_redeliver(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_webhooksubscription")

    @admin.action(description="Redeliver (same event id)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet) -> None:
        if not self.can_redeliver(request):
            raise PermissionDenied
        sources = queryset.select_related("subscription", "event")
        count = len([services.redeliver(source) for source in sources])
        self.message_user(request, f"{count} delivery(ies) queued again.", messages.SUCCESS)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        context = self.tools_context(object_id, extra_context)
        return super().change_view(request, object_id, form_url, context)

    def redeliver_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        if not self.can_redeliver(request):
            raise PermissionDenied
        source = get_object_or_404(
            WebhookDelivery.objects.select_related("subscription", "event"), pk=object_id
        )
        delivery = services.redeliver(source)
        self.message_user(request, f"Event {source.event_id} queued again.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Events as sent (read-only): the body every delivery of it carries."""

    list_display = ("created_at", "type", "id")
    list_filter = ("type",)
    search_fields = ("=id",)
    date_hierarchy = "created_at"
    fields = ("id", "type", "created_at", "body_pretty")
    readonly_fields = fields

    @admin.display(description="body")
    def body_pretty(self, event: WebhookEvent) -> str:
        return pretty_json(json.loads(event.body))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
