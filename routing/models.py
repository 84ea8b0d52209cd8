import uuid

from django.db import models
from django.db.models import Q

from scheduling.models import SchedulingPage
from sellers.models import Seller, Team


class RoutingStrategy(models.TextChoices):
    """What a page's ``routing`` setting may say (``SchedulingPage.routing`` stores the value;
    routing declares the choices to scheduling in ``RoutingConfig.ready()``)."""

    ROUND_ROBIN = "round_robin", "Round robin"
    LOWEST_LOAD = "lowest_load", "Lowest load"
    BY_COUNTRY = "by_country", "By country / region"
    WEIGHTED = "weighted", "Weighted"
    SCORED = "scored", "Scored (ROUTING_SCORER)"


class RoutingState(models.Model):
    """The round-robin cursor of one pool (a page or a team), advanced under a row lock."""

    pool_key = models.CharField(
        max_length=100, primary_key=True, help_text="page:<id> or team:<id>"
    )
    last_seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignments = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.pool_key


class RoutingRule(models.Model):
    """Sends matching prospects elsewhere before the page's strategy runs.

    ``conditions``: ``[{"field": "country" | "answers.<key>", "op": "eq" | "neq" | "in" |
    "contains", "value": …}]``, combined with ``match`` (all / any). Rules run by ``order``.
    """

    class Match(models.TextChoices):
        ALL = "all", "All conditions"
        ANY = "any", "Any condition"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page = models.ForeignKey(SchedulingPage, on_delete=models.CASCADE, related_name="routing_rules")
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(default=list)
    target_page = models.ForeignKey(
        SchedulingPage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["page", "order"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        target_page__isnull=False,
                        target_team__isnull=True,
                        target_seller__isnull=True,
                    )
                    | Q(
                        target_page__isnull=True,
                        target_team__isnull=False,
                        target_seller__isnull=True,
                    )
                    | Q(
                        target_page__isnull=True,
                        target_team__isnull=True,
                        target_seller__isnull=False,
                    )
                ),
                name="routing_rule_exactly_one_target",
                violation_error_message="A rule sends to exactly one page, team or seller.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoutingDecision(models.Model):
    """Why a booking went to its seller: the candidates, their figures, the winner."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page = models.ForeignKey(SchedulingPage, null=True, on_delete=models.SET_NULL, related_name="+")
    strategy = models.CharField(max_length=20)
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    candidates = models.JSONField(default=list, help_text="[{seller, name, load, weight, …}]")
    chosen = models.ForeignKey(
        Seller, null=True, on_delete=models.SET_NULL, related_name="routing_decisions"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reason
