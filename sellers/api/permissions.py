"""Who may read and change configuration rows over the API.

Staff get exactly what the admin would give them: Django's model permissions
(view/add/change/delete per model; a superuser has them all, `is_staff` alone grants
nothing). A user linked to a seller (`Seller.user`) reads what the view's queryset shows
them and changes only rows they own (the view's `owner_id(obj)`). Anyone else signed in
sees nothing and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from sellers.models import Seller


def seller_of(user: Any) -> Seller | None:
    """The seller a signed-in user acts as, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.seller
    except ObjectDoesNotExist:
        return None


def staff_can(user: Any, action: str, model: type[Model]) -> bool:
    """Whether ``user`` is active staff holding ``<app>.<action>_<model>``, as the admin
    checks it (the change permission also lets one view)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    opts = model._meta
    actions = [action, "change"] if action == "view" else [action]
    return any(user.has_perm(f"{opts.app_label}.{name}_{opts.model_name}") for name in actions)


class StaffOrOwner(BasePermission):
    """Signed in; writes on an object need the staff model permission or ownership.

    The model checked is the view's ``perm_model`` when it writes rows of another model
    than the one it looks up (weekly hours are looked up by seller), else the object's."""

    message = "You may only change your own rows."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True  # the view's queryset already shows only what the user may read
        action = "delete" if request.method == "DELETE" else "change"
        if staff_can(request.user, action, getattr(view, "perm_model", type(obj))):
            return True
        seller = seller_of(request.user)
        return seller is not None and view.owner_id(obj) == seller.id
