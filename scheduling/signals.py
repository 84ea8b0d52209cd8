"""Slot cache invalidation on every model write the slot answer depends on.

Pages and meeting types bump the pages token, which an answer cached under its URL holds
(the answer cached by content also has their `updated_at` and rules in its key). Who is
eligible (memberships, a seller's own fields, calendar connections) bumps the roster token
as well as the sellers concerned, because a cached answer only holds the tokens of the
sellers it found eligible. Bulk writes (`update()`, `bulk_create`) send no signals: their
callers call `scheduling.cache.bump_sellers` (or `bump_pages`), or, below scheduling, send
`sellers.hooks.busy_changed`. Apps above scheduling have their rows tracked with
`track_seller_rows` (bookings: `Booking`).
"""

from __future__ import annotations

from typing import Any

from django.core.signals import request_finished, request_started
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.dispatch import receiver

from scheduling import cache as slot_cache
from scheduling.cache import bump_global, bump_hours, bump_pages, bump_roster, bump_sellers
from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType, SchedulingPage
from sellers.hooks import busy_changed
from sellers.models import BusyInterval, CalendarConnection, Seller, Team, TeamMembership


@receiver(request_started, dispatch_uid="slots_request_started")
def _request_started(sender: object, **kwargs: Any) -> None:
    slot_cache.request(active=True)


@receiver(request_finished, dispatch_uid="slots_request_finished")
def _request_finished(sender: object, **kwargs: Any) -> None:
    slot_cache.request(active=False)


@receiver(post_save, sender=AvailabilityRule, dispatch_uid="slots_rule_saved")
@receiver(post_delete, sender=AvailabilityRule, dispatch_uid="slots_rule_deleted")
def _hours_changed(sender: type, instance: AvailabilityRule, **kwargs: Any) -> None:
    _seller_row_changed(sender, instance)
    bump_hours()


@receiver(post_save, sender=BusyInterval, dispatch_uid="slots_busy_saved")
@receiver(post_delete, sender=BusyInterval, dispatch_uid="slots_busy_deleted")
def _seller_row_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    # A row moved to another seller frees time of the seller it was loaded with.
    bump_sellers([instance.seller_id, getattr(instance, "_slots_loaded_seller_id", None)])


def _row_loaded(sender: type, instance: Any, **kwargs: Any) -> None:
    instance._slots_loaded_seller_id = instance.__dict__.get("seller_id")


def track_seller_rows(model: type[Model], *, uid: str) -> None:
    """Hook for the apps above: bump the slot cache of a ``model`` row's seller (and of the
    seller it was loaded with) whenever one is saved or deleted. Idempotent."""
    post_init.connect(_row_loaded, sender=model, dispatch_uid=f"slots_{uid}_loaded")
    post_save.connect(_seller_row_changed, sender=model, dispatch_uid=f"slots_{uid}_saved")
    post_delete.connect(_seller_row_changed, sender=model, dispatch_uid=f"slots_{uid}_deleted")


@receiver(post_save, sender=SchedulingPage, dispatch_uid="slots_page_saved")
@receiver(post_delete, sender=SchedulingPage, dispatch_uid="slots_page_deleted")
@receiver(post_save, sender=MeetingType, dispatch_uid="slots_meeting_type_saved")
@receiver(post_delete, sender=MeetingType, dispatch_uid="slots_meeting_type_deleted")
def _page_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    bump_pages()


@receiver(busy_changed, dispatch_uid="slots_busy_bulk_changed")
def _busy_bulk_changed(
    sender: object, seller_ids: list[Any], eligibility: bool = False, **kwargs: Any
) -> None:
    bump_sellers(seller_ids)
    if eligibility:
        bump_roster()


@receiver(post_save, sender=Seller, dispatch_uid="slots_seller_saved")
@receiver(post_delete, sender=Seller, dispatch_uid="slots_seller_deleted")
def _seller_changed(sender: type, instance: Seller, **kwargs: Any) -> None:
    bump_sellers([instance.pk])
    bump_roster()  # active, timezone or country decide who is eligible


@receiver(post_save, sender=TeamMembership, dispatch_uid="slots_membership_saved")
@receiver(post_delete, sender=TeamMembership, dispatch_uid="slots_membership_deleted")
@receiver(post_delete, sender=CalendarConnection, dispatch_uid="slots_connection_deleted")
def _eligibility_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    bump_sellers([instance.seller_id])
    bump_roster()


@receiver(post_init, sender=CalendarConnection, dispatch_uid="slots_connection_loaded")
def _connection_loaded(sender: type, instance: CalendarConnection, **kwargs: Any) -> None:
    instance._slots_loaded_status = instance.__dict__.get("status")  # type: ignore[attr-defined]


@receiver(post_save, sender=CalendarConnection, dispatch_uid="slots_connection_saved")
def _connection_saved(
    sender: type, instance: CalendarConnection, created: bool, **kwargs: Any
) -> None:
    # Only the status decides eligibility (broken = off every page, reconnected = back);
    # token refreshes save the row every hour and must not flush every page's answers.
    if created or instance.status != getattr(instance, "_slots_loaded_status", None):
        _eligibility_changed(sender, instance)
        instance._slots_loaded_status = instance.status  # type: ignore[attr-defined]


@receiver(post_save, sender=AvailabilityOverride, dispatch_uid="slots_override_saved")
@receiver(post_delete, sender=AvailabilityOverride, dispatch_uid="slots_override_deleted")
def _override_changed(sender: type, instance: AvailabilityOverride, **kwargs: Any) -> None:
    bump_hours()
    if instance.seller_id is None:
        bump_global()
    else:
        bump_sellers([instance.seller_id])


@receiver(m2m_changed, sender=Team.members.through, dispatch_uid="slots_members_changed")
def _members_changed(
    sender: type, instance: Any, action: str, pk_set: set[Any] | None, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    bump_roster()
    if isinstance(instance, Seller):
        bump_sellers([instance.pk])
    elif pk_set:
        bump_sellers(pk_set)
    elif action == "post_clear":
        bump_global()  # the cleared members are no longer known here
