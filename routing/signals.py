"""A page's routing rules are part of its configuration: `routing.services.active_rules`
memoises them under the pages token (scheduling.cache), which every rule write bumps."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from routing.models import RoutingRule
from scheduling.cache import bump_pages


@receiver(post_save, sender=RoutingRule, dispatch_uid="routing_rule_saved")
@receiver(post_delete, sender=RoutingRule, dispatch_uid="routing_rule_deleted")
def _rule_changed(sender: type, instance: RoutingRule, **kwargs: Any) -> None:
    bump_pages()
