"""Back office for routing: rules on a page, round-robin cursors, and the decision log.

Decisions are an audit log: staff may record one (e.g. a manual reassignment) but never
edit or delete one.
"""

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from routing.models import RoutingDecision, RoutingRule, RoutingState
from scheduling.admin import add_page_inlines


def pretty_json(value: object) -> str:
    """JSON indented in a <pre>, escaped."""
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str),
    )


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    fk_name = "page"
    extra = 0
    show_change_link = True
    fields = (
        "order",
        "name",
        "match",
        "conditions",
        "target_page",
        "target_team",
        "target_seller",
        "is_active",
    )
    autocomplete_fields = ("target_page", "target_team", "target_seller")


# scheduling does not import routing (dependencies run one way): its hook takes our inline.
add_page_inlines(RoutingRuleInline)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "page", "order", "match", "target", "is_active")
    list_filter = ("is_active", "match", "page")
    search_fields = ("name", "page__name", "page__slug")
    autocomplete_fields = ("page", "target_page", "target_team", "target_seller")
    list_select_related = ("page", "target_page", "target_team", "target_seller")
    readonly_fields = ("id",)

    @admin.display(description="sends to")
    def target(self, rule: RoutingRule) -> str:
        if rule.target_page_id:
            return f"Page: {rule.target_page}"
        if rule.target_team_id:
            return f"Team: {rule.target_team}"
        return f"Seller: {rule.target_seller}"


@admin.register(RoutingState)
class RoutingStateAdmin(admin.ModelAdmin):
    list_display = ("pool_key", "last_seller", "assignments", "updated_at")
    search_fields = ("pool_key", "last_seller__name")
    autocomplete_fields = ("last_seller",)
    list_select_related = ("last_seller",)
    readonly_fields = ("updated_at",)


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "strategy", "chosen", "page", "rule", "reason")
    list_filter = ("strategy", "page")
    search_fields = ("reason", "chosen__name", "chosen__email", "booking__email")
    autocomplete_fields = ("page", "rule", "chosen")
    list_select_related = ("chosen", "page", "rule")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "created_at", "candidates_pretty")

    @admin.display(description="candidates")
    def candidates_pretty(self, decision: RoutingDecision) -> str:
        return pretty_json(decision.candidates)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
