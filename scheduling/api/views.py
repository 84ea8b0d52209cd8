"""Configuration API: weekly hours, overrides, pages and meeting types.

Staff see and change what their model permissions allow. A seller sees their own rows
plus what they need to read (overrides for everyone, their teams' pages and meeting types)
and changes only their own.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Model, Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling.api.serializers import (
    AvailabilitySerializer,
    MeetingTypeFilterSerializer,
    MeetingTypeSerializer,
    OverrideFilterSerializer,
    OverrideSerializer,
    PageSerializer,
)
from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType, SchedulingPage
from scheduling.services import replace_weekly_rules
from sellers.api.mixins import ProtectedDestroyMixin
from sellers.api.permissions import StaffOrOwner, seller_of, staff_can
from sellers.models import Seller


def list_filters(view: GenericAPIView, serializer_class: type) -> dict[str, Any]:
    """The list's query filters checked by ``serializer_class`` (empty for other actions)."""
    if getattr(view, "action", None) != "list":
        return {}
    query = serializer_class(data=view.request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _require_own_seller(
    request: Request, seller: Seller | None, what: str, model: type[Model], action: str
) -> None:
    """Without the staff permission, one may only add or move rows to oneself."""
    if staff_can(request.user, action, model):
        return
    own = seller_of(request.user)
    if own is None or seller is None or seller.pk != own.pk:
        raise PermissionDenied(f"You may only add {what} of your own.")


class SellerAvailabilityApi(GenericAPIView):
    """A seller's whole weekly rule set: GET it, PUT a replacement (validated, atomic)."""

    serializer_class = AvailabilitySerializer
    permission_classes = [StaffOrOwner]
    perm_model = AvailabilityRule
    pagination_class = None

    def get_queryset(self) -> QuerySet[Seller]:
        user = self.request.user
        if staff_can(user, "view", AvailabilityRule):
            return Seller.objects.all()
        own = seller_of(user)
        return Seller.objects.filter(pk=own.pk) if own else Seller.objects.none()

    def owner_id(self, obj: Seller) -> uuid.UUID:
        return obj.pk

    def _rules(self, seller: Seller) -> dict[str, Any]:
        rules = seller.availability_rules.order_by("weekday", "start")
        return AvailabilitySerializer({"rules": list(rules)}).data

    def get(self, request: Request, pk: uuid.UUID) -> Response:
        return Response(self._rules(self.get_object()))

    @extend_schema(request=AvailabilitySerializer, responses=AvailabilitySerializer)
    def put(self, request: Request, pk: uuid.UUID) -> Response:
        seller = self.get_object()
        serializer = AvailabilitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        replace_weekly_rules(
            seller=seller,
            rules=[
                (r["weekday"], r["start"], r["end"]) for r in serializer.validated_data["rules"]
            ],
        )
        return Response(self._rules(seller))


class OverrideViewSet(viewsets.ModelViewSet):
    """Date overrides. Filters: `seller` (an id, or `none` for everyone's), `date_after`,
    `date_before`. A seller reads their own and everyone's, and changes only their own."""

    serializer_class = OverrideSerializer
    permission_classes = [StaffOrOwner]

    def get_queryset(self) -> QuerySet[AvailabilityOverride]:
        user = self.request.user
        overrides = AvailabilityOverride.objects.all()
        if not staff_can(user, "view", AvailabilityOverride):
            own = seller_of(user)
            if own is None:
                return overrides.none()
            overrides = overrides.filter(Q(seller=own) | Q(seller__isnull=True))
        params = list_filters(self, OverrideFilterSerializer)
        if params.get("seller") == "none":
            overrides = overrides.filter(seller__isnull=True)
        elif params.get("seller"):
            overrides = overrides.filter(seller_id=uuid.UUID(params["seller"]))
        if "date_after" in params:
            overrides = overrides.filter(date__gte=params["date_after"])
        if "date_before" in params:
            overrides = overrides.filter(date__lte=params["date_before"])
        return overrides

    @extend_schema(parameters=[OverrideFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def owner_id(self, obj: AvailabilityOverride) -> uuid.UUID | None:
        return obj.seller_id

    def perform_create(self, serializer: Any) -> None:
        seller = serializer.validated_data.get("seller")
        _require_own_seller(self.request, seller, "overrides", AvailabilityOverride, "add")
        serializer.save()

    def perform_update(self, serializer: Any) -> None:
        if "seller" in serializer.validated_data:
            seller = serializer.validated_data["seller"]
            _require_own_seller(self.request, seller, "overrides", AvailabilityOverride, "change")
        serializer.save()


class PageViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Booking pages. A seller reads their own pages and their teams' pages, and changes
    only their own personal pages."""

    serializer_class = PageSerializer
    permission_classes = [StaffOrOwner]

    def get_queryset(self) -> QuerySet[SchedulingPage]:
        user = self.request.user
        if staff_can(user, "view", SchedulingPage):
            return SchedulingPage.objects.all()
        own = seller_of(user)
        if own is None:
            return SchedulingPage.objects.none()
        return SchedulingPage.objects.filter(
            Q(seller=own) | Q(team__memberships__seller=own)
        ).distinct()

    def owner_id(self, obj: SchedulingPage) -> uuid.UUID | None:
        return obj.seller_id

    def perform_create(self, serializer: Any) -> None:
        seller = serializer.validated_data.get("seller")
        _require_own_seller(self.request, seller, "pages", SchedulingPage, "add")
        serializer.save()

    def perform_update(self, serializer: Any) -> None:
        if "seller" in serializer.validated_data or "team" in serializer.validated_data:
            seller = serializer.validated_data.get("seller")
            _require_own_seller(self.request, seller, "pages", SchedulingPage, "change")
        serializer.save()


class MeetingTypeViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Meeting types. Filter: `page` (an id). A seller reads those of the pages they see and
    changes those of their own personal pages."""

    serializer_class = MeetingTypeSerializer
    permission_classes = [StaffOrOwner]

    def get_queryset(self) -> QuerySet[MeetingType]:
        user = self.request.user
        types = MeetingType.objects.select_related("page")
        if not staff_can(user, "view", MeetingType):
            own = seller_of(user)
            if own is None:
                return types.none()
            types = types.filter(
                Q(page__seller=own) | Q(page__team__memberships__seller=own)
            ).distinct()
        page = list_filters(self, MeetingTypeFilterSerializer).get("page")
        return types.filter(page_id=page) if page else types

    @extend_schema(parameters=[MeetingTypeFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def owner_id(self, obj: MeetingType) -> uuid.UUID | None:
        return obj.page.seller_id

    def _check_page(self, page: SchedulingPage | None, action: str) -> None:
        seller = page.seller if page else None
        _require_own_seller(self.request, seller, "meeting types", MeetingType, action)

    def perform_create(self, serializer: Any) -> None:
        self._check_page(serializer.validated_data.get("page"), "add")
        serializer.save()

    def perform_update(self, serializer: Any) -> None:
        if "page" in serializer.validated_data:
            self._check_page(serializer.validated_data["page"], "change")
        serializer.save()
