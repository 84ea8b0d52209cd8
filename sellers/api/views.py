"""Configuration API: sellers and teams."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from sellers.api.mixins import ProtectedDestroyMixin
from sellers.api.permissions import StaffOrOwner, is_staff, seller_of
from sellers.api.serializers import SellerSerializer, TeamSerializer
from sellers.models import Seller, Team


class SellerViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Sellers. Staff: all of them. A seller: only themselves (no create or delete)."""

    serializer_class = SellerSerializer
    permission_classes = [StaffOrOwner]
    protected_message = "This seller has bookings; deactivate them instead."

    def get_queryset(self) -> QuerySet[Seller]:
        user = self.request.user
        if is_staff(user):
            return Seller.objects.all()
        seller = seller_of(user)
        return Seller.objects.filter(pk=seller.pk) if seller else Seller.objects.none()

    def owner_id(self, obj: Seller) -> uuid.UUID:
        return obj.pk

    def perform_create(self, serializer: Any) -> None:
        if not is_staff(self.request.user):
            raise PermissionDenied("Only staff may add sellers.")
        serializer.save()

    def perform_destroy(self, instance: Seller) -> None:
        if not is_staff(self.request.user):
            raise PermissionDenied("Only staff may remove sellers.")
        super().perform_destroy(instance)


class TeamViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Teams. Staff: all, writable. A seller: the teams they belong to, read-only."""

    serializer_class = TeamSerializer
    permission_classes = [StaffOrOwner]

    def get_queryset(self) -> QuerySet[Team]:
        user = self.request.user
        teams = Team.objects.prefetch_related("members")
        if is_staff(user):
            return teams
        seller = seller_of(user)
        return teams.filter(memberships__seller=seller).distinct() if seller else teams.none()

    def owner_id(self, obj: Team) -> None:
        return None  # teams belong to staff

    def perform_create(self, serializer: Any) -> None:
        if not is_staff(self.request.user):
            raise PermissionDenied("Only staff may add teams.")
        serializer.save()
