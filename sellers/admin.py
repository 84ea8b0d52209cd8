"""Back office for sellers, teams and their calendar links.

Calendar tokens are never shown: the token columns are excluded from every form and
deferred in every queryset, so the admin neither displays, edits nor even decrypts them (a
deferred field is also left out of ``save()``, so editing a connection keeps its tokens).
Apps above sellers add inlines to the seller's page through ``add_seller_inlines`` (the
explicit hook; scheduling adds working hours and overrides): dependencies run one way, and
sellers does not import them.
"""

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from integrations.calendar import service_account
from sellers.models import (
    BusyInterval,
    CalendarConnection,
    Seller,
    SellerMetric,
    Team,
    TeamMembership,
)

SECRET_FIELDS = ("access_token", "refresh_token", "channel_token")


def connections_without_secrets(queryset: QuerySet) -> QuerySet:
    """Connections with the encrypted columns deferred and a ``has_token`` flag computed in SQL."""
    return queryset.defer(*SECRET_FIELDS).annotate(
        has_token=ExpressionWrapper(
            ~Q(access_token="") | ~Q(refresh_token=""), output_field=BooleanField()
        )
    )


class TokenStoredColumn:
    """A ``token_stored`` column, named by string so ``fields`` stays a list of names."""

    @admin.display(boolean=True, description="token stored")
    def token_stored(self, connection: CalendarConnection) -> bool:
        return bool(getattr(connection, "has_token", False))


class CalendarConnectionInline(TokenStoredColumn, admin.TabularInline):
    model = CalendarConnection
    extra = 0
    fields = (
        "provider",
        "account_email",
        "status",
        "write_calendar_id",
        "token_stored",
        "token_expires_at",
        "last_synced_at",
        "last_error",
    )
    readonly_fields = ("token_stored", "token_expires_at", "last_synced_at", "last_error")
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return connections_without_secrets(super().get_queryset(request))


_EXTRA_SELLER_INLINES: list[type[InlineModelAdmin]] = []


def add_seller_inlines(*inlines: type[InlineModelAdmin]) -> None:
    """Hook for the apps above sellers: show these inlines on the seller's admin page,
    before its own. Idempotent; call from the app's own ``admin`` module."""
    _EXTRA_SELLER_INLINES.extend(i for i in inlines if i not in _EXTRA_SELLER_INLINES)


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "country",
        "region",
        "timezone",
        "weight",
        "is_active",
        "last_assigned_at",
    )
    list_filter = ("is_active", "region", "country", "teams", "calendars__status")
    search_fields = ("name", "email", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("user",)
    readonly_fields = (
        "id",
        "last_assigned_at",
        "created_at",
        "updated_at",
        "calendar_health",
        "slot_explanation",
        "provider_problem",
    )
    list_select_related = ("user",)
    fieldsets = (
        (None, {"fields": ("id", "name", "email", "slug", "user", "is_active")}),
        ("Where and how", {"fields": ("country", "region", "languages", "timezone")}),
        ("Routing", {"fields": ("weight", "last_assigned_at")}),
        ("Calendar", {"fields": ("calendar_health", "slot_explanation")}),
        ("Online meetings", {"fields": ("provider_problem",)}),
        ("Timestamps", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = [CalendarConnectionInline]

    def get_inlines(self, request: HttpRequest, obj: Seller | None) -> list[type]:
        # Inlines of the apps above first (working hours read best before the calendars).
        return [*_EXTRA_SELLER_INLINES, *self.inlines]

    @admin.display(description="why is this slot unavailable?")
    def slot_explanation(self, seller: Seller) -> str:
        """Link to the admin page that explains each candidate start of a day."""
        if seller.pk is None or seller._state.adding:
            return "—"
        try:
            url = reverse("scheduling_explain")
        except NoReverseMatch:
            return "—"
        return format_html('<a href="{}?seller={}">Explain a day of slots</a>', url, seller.pk)

    @admin.display(description="calendar health")
    def calendar_health(self, seller: Seller) -> str:
        """Each connection's status, last sync and last error, and the OAuth connect link
        (a broken calendar keeps the seller out of routing until reconnected)."""
        if seller.pk is None or seller._state.adding:
            return "Save the seller first, then connect a calendar."
        note = service_account.mode_note()
        if note:  # the shared calendar takes every seller's meetings
            return format_html("<p>{}</p>", note)
        rows = format_html_join(
            "",
            "<li>{} · {} — <strong>{}</strong>, last sync {}{}</li>",
            (
                (
                    c.get_provider_display(),
                    c.account_email,
                    c.get_status_display(),
                    f"{timesince(c.last_synced_at)} ago" if c.last_synced_at else "never",
                    f" — {c.last_error}" if c.last_error else "",
                )
                for c in connections_without_secrets(seller.calendars.all())
            ),
        )
        try:
            google = reverse("google_calendar:connect", args=[seller.pk])
            outlook = reverse("outlook_calendar:connect", args=[seller.pk])
        except NoReverseMatch:  # calendar URLs not installed
            return format_html("<ul>{}</ul>", rows) if rows else "No calendar connected."
        return format_html(
            '<ul>{}</ul><a class="button" href="{}">Connect Google Calendar</a> '
            '<a class="button" href="{}">Connect Outlook / Microsoft 365</a>',
            rows or format_html("<li>{}</li>", "No calendar connected."),
            google,
            outlook,
        )


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("seller",)
    readonly_fields = ("joined_at",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "member_count", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("id", "created_at")
    inlines = [TeamMembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, team: Team) -> int:
        return team.member_count  # type: ignore[attr-defined]  # annotated by get_queryset


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ("seller", "team", "joined_at")
    list_filter = ("team",)
    search_fields = ("seller__name", "seller__email", "team__name")
    autocomplete_fields = ("seller", "team")
    list_select_related = ("seller", "team")


@admin.register(CalendarConnection)
class CalendarConnectionAdmin(TokenStoredColumn, admin.ModelAdmin):
    list_display = (
        "account_email",
        "seller",
        "provider",
        "status",
        "token_stored",
        "token_expires_at",
        "last_synced_at",
        "channel_expires_at",
    )
    list_filter = ("provider", "status")
    search_fields = ("account_email", "seller__name", "seller__email", "channel_id")
    autocomplete_fields = ("seller",)
    list_select_related = ("seller",)
    exclude = SECRET_FIELDS
    readonly_fields = (
        "id",
        "token_stored",
        "token_expires_at",
        "scopes",
        "sync_token",
        "channel_id",
        "channel_resource_id",
        "channel_expires_at",
        "last_synced_at",
        "last_error",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("id", "seller", "provider", "account_email", "status")}),
        ("Calendars", {"fields": ("busy_calendar_ids", "write_calendar_id")}),
        (
            "Sync (managed by the system)",
            {
                "fields": (
                    "token_stored",
                    "token_expires_at",
                    "scopes",
                    "sync_token",
                    "channel_id",
                    "channel_resource_id",
                    "channel_expires_at",
                    "last_synced_at",
                    "last_error",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return connections_without_secrets(super().get_queryset(request))


@admin.register(BusyInterval)
class BusyIntervalAdmin(admin.ModelAdmin):
    list_display = ("seller", "start", "end", "source", "external_id", "updated_at")
    list_filter = ("source",)
    search_fields = ("seller__name", "seller__email", "external_id", "source")
    autocomplete_fields = ("seller", "connection")
    date_hierarchy = "start"
    list_select_related = ("seller",)
    readonly_fields = ("external_id", "updated_at")


@admin.register(SellerMetric)
class SellerMetricAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "seller",
        "country",
        "bookings",
        "cancelled",
        "rescheduled",
        "completed",
        "no_show",
        "deals_won",
    )
    list_filter = ("country", "seller")
    search_fields = ("seller__name", "seller__email")
    autocomplete_fields = ("seller",)
    date_hierarchy = "date"
    list_select_related = ("seller",)
