"""Configuration API: sellers and teams."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from sellers.api.mixins import ProtectedDestroyMixin
from sellers.api.permissions import StaffOrOwner, seller_of, staff_can
from sellers.api.serializers import SellerSerializer, TeamSerializer
from sellers.models import Seller, Team

#: Fields that steer routing or identity: only staff with the change permission set them.
STAFF_ONLY_SELLER_FIELDS = ("weight", "country", "region", "is_active", "email")


class SellerViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Sellers. Staff: per their model permissions. A seller: only themselves (no create or
    delete, and not the routing fields in ``STAFF_ONLY_SELLER_FIELDS``)."""

    serializer_class = SellerSerializer
    permission_classes = [StaffOrOwner]
    protected_message = "This seller has bookings; deactivate them instead."

    def get_queryset(self) -> QuerySet[Seller]:
        user = self.request.user
        if staff_can(user, "view", Seller):
            return Seller.objects.all()
        seller = seller_of(user)
        return Seller.objects.filter(pk=seller.pk) if seller else Seller.objects.none()

    def owner_id(self, obj: Seller) -> uuid.UUID:
        return obj.pk

    def perform_create(self, serializer: Any) -> None:
        if not staff_can(self.request.user, "add", Seller):
            raise PermissionDenied("Only staff may add sellers.")
        serializer.save()

    def perform_update(self, serializer: Any) -> None:
        if not staff_can(self.request.user, "change", Seller):
            # Sending a field unchanged (GET, edit, PUT back) is fine; changing it is not.
            changed = [
                name
                for name in STAFF_ONLY_SELLER_FIELDS
                if name in serializer.validated_data
                and serializer.validated_data[name] != getattr(serializer.instance, name)
            ]
            if changed:
                raise ValidationError(
                    {name: ["Only staff may change this field."] for name in changed}
                )
        serializer.save()

    def perform_destroy(self, instance: Seller) -> None:
        if not staff_can(self.request.user, "delete", Seller):
            raise PermissionDenied("Only staff may remove sellers.")
        super().perform_destroy(instance)


class TeamViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Teams. Staff: per their model permissions. A seller: the teams they belong to,
    read-only."""

    serializer_class = TeamSerializer
    permission_classes = [StaffOrOwner]

    def get_queryset(self) -> QuerySet[Team]:
        user = self.request.user
        teams = Team.objects.prefetch_related("members")
        if staff_can(user, "view", Team):
            return teams
        seller = seller_of(user)
        return teams.filter(memberships__seller=seller).distinct() if seller else teams.none()

    def owner_id(self, obj: Team) -> None:
        return None  # teams belong to staff

    def perform_create(self, serializer: Any) -> None:
        if not staff_can(self.request.user, "add", Team):
            raise PermissionDenied("Only staff may add teams.")
        serializer.save()
