"""Back office for bookings, their audit trail, reminders and the fallback slot locks.

The booking page shows what ops need to follow up: times in UTC and in the prospect's zone,
the routing decision, the audit trail, and which integrations need a manual sync.
"""

import datetime as dt
import hashlib
import secrets
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from bookings.models import Booking, BookingEvent, BookingStatus, Reminder, SlotLock
from bookings.outbox.admin import SyncJobInline, retry_all_failed_syncs
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


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ("channel", "offset_minutes", "due_at", "sent_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class BookingAdminForm(forms.ModelForm):
    """Checks the seller is free before saving; the database constraint stays the judge."""

    class Meta:
        model = Booking
        fields = "__all__"

    def clean(self) -> dict:
        data = super().clean() or {}
        meeting_type, seller = data.get("meeting_type"), data.get("seller")
        start, end = data.get("start"), data.get("end")
        if not (meeting_type and seller and start and end):
            return data
        if end <= start:
            self.add_error("end", "The end must be after the start.")
            return data
        self.instance.blocked_start = start - dt.timedelta(minutes=meeting_type.buffer_before)
        self.instance.blocked_end = end + dt.timedelta(minutes=meeting_type.buffer_after)
        if data.get("status", BookingStatus.CONFIRMED) == BookingStatus.CONFIRMED:
            clash = (
                Booking.objects.filter(
                    seller=seller,
                    status=BookingStatus.CONFIRMED,
                    blocked_start__lt=self.instance.blocked_end,
                    blocked_end__gt=self.instance.blocked_start,
                )
                .exclude(pk=self.instance.pk)
                .first()
            )
            if clash:
                raise forms.ValidationError(
                    f"{seller} already has a confirmed booking then ({clash}), buffers included."
                )
        return data


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    form = BookingAdminForm
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
    search_fields = ("name", "email", "company", "phone", "=id", "=idempotency_key")
    autocomplete_fields = ("meeting_type", "seller")
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
                    ("pipedrive_synced", "pipedrive_needs_manual_sync"),
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
    inlines = [BookingEventInline, ReminderInline, SyncJobInline]
    actions = [retry_all_failed_syncs]

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

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"source": Booking.Source.ADMIN, **super().get_changeform_initial_data(request)}

    def save_model(
        self, request: HttpRequest, obj: Booking, form: forms.Form, change: bool
    ) -> None:
        if not change:
            # A booking made here has no link sent yet: the hash is of a secret nobody holds,
            # so the prospect manages it through a fresh link from a later service call.
            obj.manage_token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        if obj.end:
            obj.manage_token_expires_at = obj.end + settings.MANAGE_TOKEN_GRACE
        super().save_model(request, obj, form, change)


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


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("due_at", "booking", "channel", "offset_minutes", "sent_at")
    list_filter = ("channel", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("booking__email", "booking__name", "=booking__id")
    autocomplete_fields = ("booking",)
    date_hierarchy = "due_at"
    list_select_related = ("booking__seller",)


@admin.register(SlotLock)
class SlotLockAdmin(admin.ModelAdmin):
    list_display = ("key", "owner", "expires_at")
    search_fields = ("key", "owner")
