"""Authenticated booking API: the list (filters, n+1-free), detail, and staff/seller
actions; seller metrics."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors, services
from bookings.api.serializers import (
    BookingFilterSerializer,
    BookingSerializer,
    CancelInputSerializer,
    MetricsQuerySerializer,
    SellerMetricsSerializer,
)
from bookings.models import Booking
from sellers.api.permissions import StaffOrOwner


class BookingViewSet(viewsets.ReadOnlyModelViewSet):
    """Bookings: staff with the view permission see all, a seller their own. Filters:
    ``seller``, ``status``, ``email``, ``start_after``, ``start_before`` (datetimes with an
    offset)."""

    serializer_class = BookingSerializer
    permission_classes = [StaffOrOwner]  # actions: the change permission, or one's own

    def owner_id(self, booking: Booking) -> Any:
        return booking.seller_id

    def get_queryset(self) -> QuerySet[Booking]:
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        filters: dict[str, Any] = {}
        if self.action == "list":
            query = BookingFilterSerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            filters = query.validated_data
        return selectors.booking_list(user=self.request.user, **filters)

    @extend_schema(parameters=[BookingFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _reload(self, booking: Booking) -> Response:
        fresh = selectors.booking_list(user=self.request.user).get(pk=booking.pk)
        return Response(BookingSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=CancelInputSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.cancel_booking(
            booking=self.get_object(),
            reason=data.validated_data.get("reason") or "",
            actor=request.user,
        )
        return self._reload(booking)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        booking = services.complete_booking(booking=self.get_object(), actor=request.user)
        return self._reload(booking)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="no_show")
    def no_show(self, request: Request, pk: str | None = None) -> Response:
        booking = services.mark_no_show(booking=self.get_object(), actor=request.user)
        return self._reload(booking)


class SellerMetricsApi(APIView):
    """Per seller over [start, end]: bookings, cancelled, rescheduled, completed, no_show,
    and the same by prospect country."""

    @extend_schema(
        parameters=[MetricsQuerySerializer], responses=SellerMetricsSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.seller_metrics(user=request.user, **query.validated_data)
        return Response(rows)
