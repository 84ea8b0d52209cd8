"""Back office for the waitlist: watched slots, the people queued for them, their links."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from bookings.admin import add_booking_panels
from waitlist import admin_calendar  # noqa: F401  (registers the calendar config's admin)
from waitlist.dashboard import booking_waitlist_panel
from waitlist.models import WaitlistEntry, WaitlistSlot, WaitlistToken

add_booking_panels(booking_waitlist_panel)


class WaitlistEntryInline(admin.TabularInline):
    model = WaitlistEntry
    extra = 0
    show_change_link = True
    fields = (
        "priority",
        "first_name",
        "last_name",
        "phone",
        "email",
        "party_size",
        "status",
        "notified_at",
        "response_deadline",
        "source",
    )
    readonly_fields = ("notified_at",)


@admin.register(WaitlistSlot)
class WaitlistSlotAdmin(admin.ModelAdmin):
    list_display = (
        "start",
        "end",
        "status",
        "seller",
        "meeting_type",
        "business_name",
        "waiting",
        "next_check_at",
        "check_interval_minutes",
        "last_result",
        "last_check_at",
    )
    list_filter = ("status", "last_result", "config", "seller")
    search_fields = ("business_name", "service_type", "notes", "calendar_event_id")
    autocomplete_fields = ("config", "meeting_type", "seller")
    date_hierarchy = "start"
    list_select_related = ("seller", "meeting_type__page", "config")
    readonly_fields = (
        "id",
        "calendar_event_id",
        "last_check_at",
        "next_check_at",
        "check_interval_minutes",
        "last_result",
        "last_error",
        "created_at",
        "updated_at",
    )
    inlines = [WaitlistEntryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(waiting=Count("entries"))

    @admin.display(description="entries", ordering="waiting")
    def waiting(self, slot: WaitlistSlot) -> int:
        return slot.waiting  # type: ignore[attr-defined]  # annotated by get_queryset


class WaitlistTokenInline(admin.TabularInline):
    model = WaitlistToken
    extra = 0
    fields = ("kind", "token_hash", "expires_at", "consumed_at", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "phone",
        "slot",
        "status",
        "priority",
        "party_size",
        "notified_at",
        "response_deadline",
        "source",
    )
    list_filter = ("status", "source")
    search_fields = ("first_name", "last_name", "phone", "email", "sms_message_sid")
    autocomplete_fields = ("slot", "booking")
    date_hierarchy = "requested_slot"
    list_select_related = ("slot",)
    readonly_fields = (
        "id",
        "sms_message_sid",
        "notified_at",
        "confirmed_at",
        "created_at",
        "updated_at",
    )
    inlines = [WaitlistTokenInline]


@admin.register(WaitlistToken)
class WaitlistTokenAdmin(admin.ModelAdmin):
    """Read-only: a token is minted only where its plaintext is sent (the SMS service)."""

    list_display = ("entry", "kind", "expires_at", "consumed_at", "created_at")
    list_filter = ("kind", ("consumed_at", admin.EmptyFieldListFilter))
    search_fields = ("entry__first_name", "entry__last_name", "entry__phone", "=token_hash")
    list_select_related = ("entry",)
    readonly_fields = (
        "id",
        "entry",
        "kind",
        "token_hash",
        "expires_at",
        "consumed_at",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
