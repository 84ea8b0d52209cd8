"""Who may read and change configuration rows over the API.

Staff: everything. A user linked to a seller (`Seller.user`): reads what the view's
queryset shows them, changes only rows they own (the view's `owner_id(obj)`). Any other
signed-in user: sees nothing, changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
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


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


class StaffOrOwner(BasePermission):
    """Signed in; writes on an object only by staff or its owner."""

    message = "You may only change your own rows."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if is_staff(request.user) or request.method in SAFE_METHODS:
            return True
        seller = seller_of(request.user)
        return seller is not None and view.owner_id(obj) == seller.id
