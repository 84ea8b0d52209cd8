"""Back office for booking pages, meeting types and working hours."""

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType, SchedulingPage
from sellers.admin import add_seller_inlines


class AvailabilityRuleInline(admin.TabularInline):
    model = AvailabilityRule
    extra = 0
    fields = ("weekday", "start", "end")


class AvailabilityOverrideInline(admin.TabularInline):
    model = AvailabilityOverride
    extra = 0
    fields = ("date", "start", "end", "available", "reason")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).order_by("-date")


# Working hours first, then overrides, then the seller's own inlines (calendars).
add_seller_inlines(AvailabilityRuleInline, AvailabilityOverrideInline)


class MeetingTypeInline(admin.StackedInline):
    model = MeetingType
    extra = 0
    show_change_link = True
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        ("name", "slug", "is_active", "order"),
        ("duration", "slot_interval", "buffer_before", "buffer_after"),
        ("location_type", "location_details"),
        ("min_notice", "max_days_ahead", "daily_limit", "weekly_limit"),
        "questions",
    )


_EXTRA_PAGE_INLINES: list[type[InlineModelAdmin]] = []


def add_page_inlines(*inlines: type[InlineModelAdmin]) -> None:
    """Hook for the apps above scheduling: show these inlines on a page's admin page, after
    its own (meeting types). Idempotent; call from the app's own ``admin`` module."""
    _EXTRA_PAGE_INLINES.extend(i for i in inlines if i not in _EXTRA_PAGE_INLINES)


@admin.register(SchedulingPage)
class SchedulingPageAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "routing", "timezone", "is_active", "public_link")
    list_filter = ("is_active", "routing")
    search_fields = ("name", "slug", "seller__name", "team__name")
    autocomplete_fields = ("seller", "team")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("seller", "team")
    readonly_fields = ("id", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("id", "name", "slug", "description", "is_active")}),
        ("Owner (exactly one)", {"fields": ("seller", "team", "routing")}),
        ("Look", {"fields": ("timezone", "brand_color", "logo_url")}),
        ("Language and embedding", {"fields": ("default_language", "embed_origins")}),
        ("Timestamps", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = [MeetingTypeInline]

    def get_inlines(self, request: HttpRequest, obj: SchedulingPage | None) -> list[type]:
        return [*self.inlines, *_EXTRA_PAGE_INLINES]

    @admin.display(description="owner")
    def owner(self, page: SchedulingPage) -> str:
        return f"Seller: {page.seller}" if page.seller_id else f"Team: {page.team}"

    @admin.display(description="public page")
    def public_link(self, page: SchedulingPage) -> str:
        url = f"/schedule/{page.slug}/"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)


@admin.register(MeetingType)
class MeetingTypeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "page",
        "slug",
        "duration",
        "location_type",
        "buffer_before",
        "buffer_after",
        "min_notice",
        "is_active",
        "order",
    )
    list_filter = ("is_active", "location_type", "duration", "page")
    search_fields = ("name", "slug", "page__name", "page__slug")
    autocomplete_fields = ("page",)
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("page",)
    readonly_fields = ("id", "created_at", "updated_at", "page_link")
    fieldsets = (
        (None, {"fields": ("id", "page", "page_link", "name", "slug", "description")}),
        ("When", {"fields": ("duration", "slot_interval", "buffer_before", "buffer_after")}),
        ("Where", {"fields": ("location_type", "location_details")}),
        ("Questions", {"fields": ("questions",)}),
        (
            "Rules",
            {
                "fields": (
                    "min_notice",
                    "max_days_ahead",
                    "daily_limit",
                    "weekly_limit",
                    "max_bookings_per_email",
                    "frequency_window_days",
                )
            },
        ),
        (
            "Messages",
            {
                "fields": (
                    "reminder_offsets",
                    "remind_seller",
                    "follow_up_delay",
                    "confirmation_message",
                ),
                "description": "Reminder and follow-up texts: Bookings › Reminder templates.",
            },
        ),
        ("Display", {"fields": ("is_active", "order", "created_at", "updated_at")}),
    )

    @admin.display(description="page admin")
    def page_link(self, meeting_type: MeetingType) -> str:
        if not meeting_type.page_id:
            return "-"
        url = reverse("admin:scheduling_schedulingpage_change", args=[meeting_type.page_id])
        return format_html('<a href="{}">{}</a>', url, meeting_type.page)


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(admin.ModelAdmin):
    list_display = ("seller", "weekday", "start", "end")
    list_filter = ("weekday", "seller__region", "seller")
    search_fields = ("seller__name", "seller__email")
    autocomplete_fields = ("seller",)
    list_select_related = ("seller",)


@admin.register(AvailabilityOverride)
class AvailabilityOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "who", "start", "end", "available", "reason")
    list_filter = ("available", ("seller", admin.EmptyFieldListFilter), "seller")
    search_fields = ("reason", "seller__name", "seller__email")
    autocomplete_fields = ("seller",)
    date_hierarchy = "date"
    list_select_related = ("seller",)

    @admin.display(description="seller", ordering="seller__name")
    def who(self, override: AvailabilityOverride) -> str:
        return str(override.seller) if override.seller_id else "Everyone"
