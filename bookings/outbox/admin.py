"""Back office for the outbox: what is waiting, what failed, and why.

``SyncJobInline`` and ``retry_all_failed_syncs`` are shown on the booking page by
``bookings.admin`` (same app); ``SyncJobAdmin`` is registered here, imported from there.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from bookings.outbox import services
from bookings.outbox.models import SyncJob
from routing.admin import pretty_json


class SyncJobInline(admin.TabularInline):
    model = SyncJob
    extra = 0
    fields = ("target", "action", "status", "attempts", "not_before", "finished_at", "last_error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.action(description="Retry all failed syncs", permissions=["change"])
def retry_all_failed_syncs(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    count = services.retry_failed_for_bookings(queryset, actor=f"staff:{request.user}")
    modeladmin.message_user(
        request,
        f"{count} failed sync job(s) queued again; manual-sync flags cleared.",
        messages.SUCCESS if count else messages.INFO,
    )


@admin.register(SyncJob)
class SyncJobAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "booking",
        "target",
        "action",
        "status",
        "attempts_of_max",
        "not_before",
        "last_error_short",
    )
    list_filter = ("status", "target", "action")
    search_fields = ("booking__email", "booking__name", "=booking__id", "last_error")
    autocomplete_fields = ("booking",)
    date_hierarchy = "not_before"
    list_select_related = ("booking__seller",)
    actions = ("retry_sync_now",)
    readonly_fields = (
        "id",
        "attempts",
        "locked_until",
        "last_error",
        "payload_pretty",
        "created_at",
        "updated_at",
        "finished_at",
    )
    fields = (
        "id",
        "booking",
        ("target", "action"),
        "status",
        ("attempts", "max_attempts"),
        "not_before",
        "locked_until",
        "last_error",
        "payload_pretty",
        ("created_at", "updated_at", "finished_at"),
    )

    @admin.display(description="attempts", ordering="attempts")
    def attempts_of_max(self, job: SyncJob) -> str:
        return f"{job.attempts}/{job.max_attempts}"

    @admin.display(description="last error")
    def last_error_short(self, job: SyncJob) -> str:
        return Truncator(job.last_error).chars(80)

    @admin.display(description="payload")
    def payload_pretty(self, job: SyncJob) -> str:
        # The manage URL carries the prospect's secret token: never show it to staff.
        shown = {k: ("…hidden…" if k == "manage_url" else v) for k, v in job.payload.items()}
        return pretty_json(shown)

    @admin.action(description="Retry sync now", permissions=["change"])
    def retry_sync_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.retry_now(queryset, actor=f"staff:{request.user}")
        self.message_user(
            request,
            f"{count} job(s) will run now (failed ones with fresh attempts).",
            messages.SUCCESS if count else messages.INFO,
        )
