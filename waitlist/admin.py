"""Back office for the waitlist: watched slots, the people queued for them, their links."""

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse

from bookings.admin import add_booking_panels
from waitlist import admin_calendar  # noqa: F401  (registers the calendar config's admin)
from waitlist.admin_views import add_entry_view
from waitlist.dashboard import booking_waitlist_panel, register_entry_action
from waitlist.models import (
    VoiceCall,
    WaitlistApiKey,
    WaitlistEntry,
    WaitlistRule,
    WaitlistSlot,
    WaitlistToken,
)
from waitlist.services import join, offers
from waitlist.services.voice import create_api_key

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

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        return add_entry_view(self, request)


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


@admin.register(WaitlistRule)
class WaitlistRuleAdmin(admin.ModelAdmin):
    """A page's alternatives: the window and step offered with a requested time, or off."""

    list_display = ("page", "alternatives_enabled", "window_start", "window_end", "step_minutes")
    autocomplete_fields = ("page",)
    list_select_related = ("page",)


@admin.register(WaitlistApiKey)
class WaitlistApiKeyAdmin(admin.ModelAdmin):
    """Voice-agent keys. Adding one shows its plaintext once (only the hash is kept)."""

    list_display = ("config", "name", "created_at", "last_used_at")
    list_select_related = ("config",)
    fields = ("config", "name")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: WaitlistApiKey, form: object, change: bool
    ) -> None:
        saved, key = create_api_key(config=obj.config, name=obj.name)
        # The admin logs and links the row it was given: make it the one the service made.
        obj.pk, obj.key_hash, obj.created_at = saved.pk, saved.key_hash, saved.created_at
        obj._state.adding = False
        self.message_user(
            request, f"The key (shown once, send it as X-Api-Key): {key}", messages.WARNING
        )


@admin.register(VoiceCall)
class VoiceCallAdmin(admin.ModelAdmin):
    """The voice agent's call reports, read only."""

    list_display = ("phone", "config", "status", "event_type", "wants_waitlist", "created_at")
    list_filter = ("wants_waitlist", "status")
    search_fields = ("=phone",)
    list_select_related = ("config",)
    readonly_fields = [f.name for f in VoiceCall._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# The waitlist dashboard's buttons on an entry: each calls one service.
register_entry_action(
    "offer",
    "Offer now",
    lambda *, entry, actor: offers.offer_now(entry=entry),
    statuses=(WaitlistEntry.Status.PENDING,),
)
register_entry_action(
    "resend",
    "Resend the link",
    lambda *, entry, actor: join.resend_registration(entry=entry),
    statuses=(WaitlistEntry.Status.PENDING,),
)
register_entry_action(
    "cancel",
    "Take off the list",
    lambda *, entry, actor: offers.cancel_entry(entry=entry),
    statuses=(WaitlistEntry.Status.PENDING, WaitlistEntry.Status.NOTIFIED),
)
