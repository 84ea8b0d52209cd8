"""Back office for bookings, their audit trail, reminders and the fallback slot locks.

The booking page shows what ops need to follow up: times in UTC and in the prospect's zone,
the routing decision, the audit trail, and which integrations need a manual sync. Bookings
are added and changed through the booking services only (`bookings.admin_views`): "Add
booking" books like the page does, and times, seller and status move only through the
Cancel… / Reschedule… / Mark completed / Mark no-show actions. Apps above bookings add
panels to a booking's page through ``add_booking_panels`` (the waitlist shows who waits for
that time).
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import partial

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse

from bookings.admin_views import ACTIONS, add_booking_view, booking_action_view, bulk_action
from bookings.models import Booking, BookingEvent, SlotLock
from bookings.outbox.admin import SyncJobInline, retry_all_failed_syncs
from bookings.reminders.admin import ReminderInline, SmsMessageInline
from routing.admin import pretty_json

MANUAL_SYNC_FIELDS = (
    "calendar_needs_manual_sync",
    "pipedrive_needs_manual_sync",
    "hubspot_needs_manual_sync",
    "email_needs_manual_sync",
    "sms_needs_manual_sync",
)
EXTERNAL_ID_FIELDS = (
    "calendar_event_id",
    "video_meeting_id",
    "pipedrive_person_id",
    "pipedrive_deal_id",
    "pipedrive_activity_id",
    "hubspot_contact_id",
    "hubspot_meeting_id",
    "hubspot_note_id",
)


def needs_manual_sync_q() -> Q:
    q = Q()
    for name in MANUAL_SYNC_FIELDS:
        q |= Q(**{name: True})
    return q


class NeedsManualSyncFilter(admin.SimpleListFilter):
    title = "needs manual sync"
    parameter_name = "manual_sync"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(needs_manual_sync_q())
        if self.value() == "no":
            return queryset.exclude(needs_manual_sync_q())
        return queryset


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "data")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


#: What staff may edit on a booking's page: the prospect's details (an ordinary save of
#: those fields only) and the manual-sync flags. Times, seller and status change only
#: through the actions, which call the booking services.
EDITABLE_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "country",
    "city",
    "answers",
    "notes",
    *MANUAL_SYNC_FIELDS,
)


#: (request, booking) → HTML of one panel ("" for none), shown under the booking's page.
BookingPanel = Callable[[HttpRequest, Booking], str]
_BOOKING_PANELS: list[BookingPanel] = []


def add_booking_panels(*panels: BookingPanel) -> None:
    """Hook for the apps above bookings (bookings imports none of them): show these panels
    at the foot of a booking's admin page; each returns safe HTML. Idempotent; call from
    the app's own ``admin`` module."""
    _BOOKING_PANELS.extend(p for p in panels if p not in _BOOKING_PANELS)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    change_form_template = "admin/bookings/booking/change_form.html"
    actions = [*(bulk_action(name) for name in ACTIONS), retry_all_failed_syncs]
    list_display = (
        "name",
        "seller",
        "start_utc",
        "start_prospect",
        "status",
        "meeting_type",
        "email",
        "needs_manual_sync",
    )
    list_filter = (
        "status",
        NeedsManualSyncFilter,
        "source",
        "location_type",
        "meeting_type__page",
        "seller",
    )
    search_fields = ("name", "email", "company", "phone", "=id")
    date_hierarchy = "start"
    list_select_related = ("seller", "meeting_type", "meeting_type__page")
    readonly_fields = (
        "id",
        "blocked_start",
        "blocked_end",
        "start_prospect",
        "routing_strategy",
        "decision_strategy",
        "decision_chosen",
        "decision_reason",
        "decision_candidates",
        "sequence",
        *EXTERNAL_ID_FIELDS,
        "deal_outcome",  # Pipedrive's webhooks write it
        "manage_token_hash",
        "manage_token_expires_at",
        "idempotency_key",
        "idempotency_fingerprint",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            "Meeting",
            {
                "fields": (
                    "id",
                    "meeting_type",
                    "seller",
                    "status",
                    ("start", "end"),
                    "timezone",
                    "start_prospect",
                    ("blocked_start", "blocked_end"),
                    "source",
                )
            },
        ),
        (
            "Prospect",
            {
                "fields": (
                    "name",
                    "email",
                    "phone",
                    "company",
                    ("country", "city"),
                    "answers",
                    "notes",
                )
            },
        ),
        ("Location", {"fields": ("location_type", "location", "meeting_url")}),
        (
            "Routing",
            {
                "fields": (
                    "routing_strategy",
                    "decision_strategy",
                    "decision_chosen",
                    "decision_reason",
                    "decision_candidates",
                )
            },
        ),
        ("Cancellation", {"fields": ("cancellation_reason", "cancelled_at")}),
        (
            "Integrations",
            {
                "description": "Clear a “needs manual sync” flag once the record is fixed by hand.",
                "fields": (
                    ("calendar_synced", "calendar_needs_manual_sync"),
                    ("pipedrive_synced", "pipedrive_needs_manual_sync", "deal_outcome"),
                    ("hubspot_synced", "hubspot_needs_manual_sync"),
                    ("email_synced", "email_needs_manual_sync"),
                    "sms_needs_manual_sync",
                    "sequence",
                    *EXTERNAL_ID_FIELDS,
                ),
            },
        ),
        (
            "Security and idempotency",
            {
                "classes": ("collapse",),
                "fields": (
                    "manage_token_hash",
                    "manage_token_expires_at",
                    "idempotency_key",
                    "idempotency_fingerprint",
                    "created_at",
                    "updated_at",
                ),
            },
        ),
    )
    inlines = [BookingEventInline, ReminderInline, SmsMessageInline, SyncJobInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A select_related here switches list_select_related off: name every relation.
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related, "routing_decision__chosen")
        )

    @admin.display(description="start (UTC)", ordering="start")
    def start_utc(self, booking: Booking) -> str:
        return f"{booking.start.astimezone(dt.UTC):%Y-%m-%d %H:%M}" if booking.start else "-"

    @admin.display(description="start (prospect's zone)", ordering="start")
    def start_prospect(self, booking: Booking) -> str:
        if not booking.start or not booking.timezone:
            return "-"
        local = booking.start.astimezone(zoneinfo.ZoneInfo(booking.timezone))
        return f"{local:%Y-%m-%d %H:%M} {booking.timezone}"

    @admin.display(description="needs manual sync", boolean=True)
    def needs_manual_sync(self, booking: Booking) -> bool:
        return booking.needs_manual_sync

    @admin.display(description="decision strategy")
    def decision_strategy(self, booking: Booking) -> str:
        return booking.routing_decision.strategy if booking.routing_decision else "-"

    @admin.display(description="decision chose")
    def decision_chosen(self, booking: Booking) -> str:
        decision = booking.routing_decision
        return str(decision.chosen) if decision and decision.chosen else "-"

    @admin.display(description="decision reason")
    def decision_reason(self, booking: Booking) -> str:
        return booking.routing_decision.reason if booking.routing_decision else "-"

    @admin.display(description="candidates")
    def decision_candidates(self, booking: Booking) -> str:
        return pretty_json(booking.routing_decision.candidates) if booking.routing_decision else "-"

    def get_readonly_fields(self, request: HttpRequest, obj: Booking | None = None) -> list:
        fields = [f.name for f in Booking._meta.concrete_fields if f.name not in EDITABLE_FIELDS]
        return [*fields, *(f for f in self.readonly_fields if f not in fields)]

    def get_urls(self) -> list:
        own = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(partial(booking_action_view, self, name=name)),
                name=f"bookings_booking_{name}",
            )
            for name in ACTIONS
        ]
        return [*own, *super().get_urls()]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        return add_booking_view(self, request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        tools = [
            (
                action.label,
                reverse(f"admin:bookings_booking_{name}", args=[object_id]),
                not action.form.base_fields,
            )
            for name, action in ACTIONS.items()
        ]
        booking = self.get_object(request, object_id)
        panels = [panel(request, booking) for panel in _BOOKING_PANELS] if booking else []
        context = {"staff_actions": tools, "booking_panels": [p for p in panels if p]}
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **context}
        )

    def save_model(
        self, request: HttpRequest, obj: Booking, form: forms.Form, change: bool
    ) -> None:
        # Only the prospect's fields reach the form: save those and nothing else.
        changed = [name for name in form.changed_data if name in EDITABLE_FIELDS]
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])


@admin.register(BookingEvent)
class BookingEventAdmin(admin.ModelAdmin):
    """The audit trail is append-only: staff may add a note, never edit or delete."""

    list_display = ("created_at", "booking", "kind", "actor")
    list_filter = ("kind",)
    search_fields = ("booking__email", "booking__name", "actor", "=booking__id")
    autocomplete_fields = ("booking",)
    date_hierarchy = "created_at"
    list_select_related = ("booking__seller",)
    readonly_fields = ("created_at",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SlotLock)
class SlotLockAdmin(admin.ModelAdmin):
    list_display = ("key", "owner", "expires_at")
    search_fields = ("key", "owner")
