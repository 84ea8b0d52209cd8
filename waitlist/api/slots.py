"""``GET /api/v1/waitlist/slots/``: the watched slots with their monitoring state
(status, next check, interval, last result). Filters ``status``, ``page`` (a scheduling
page's id); the page number is ``p``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from sellers.api.permissions import StaffOrOwner, seller_of, staff_can
from waitlist.api.pagination import WaitlistPagination
from waitlist.models import WaitlistSlot


class SlotFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WaitlistSlot.Status.choices, required=False)
    page = serializers.UUIDField(required=False, help_text="A scheduling page's id")


class WaitlistSlotSerializer(serializers.ModelSerializer):
    waiting = serializers.IntegerField(read_only=True, help_text="Entries still waiting")

    class Meta:
        model = WaitlistSlot
        fields = (
            "id",
            "config",
            "business_name",
            "meeting_type",
            "seller",
            "start",
            "end",
            "status",
            "next_check_at",
            "check_interval_minutes",
            "last_check_at",
            "last_result",
            "last_error",
            "waiting",
            "created_at",
        )
        read_only_fields = fields


def visible_slots(user: Any, *, status: str = "", page: Any = None) -> QuerySet[WaitlistSlot]:
    """Slots ``user`` may see (staff with the view permission: all; a seller: those of
    their pages or booked with them), filtered, soonest first, waiting count annotated."""
    qs = WaitlistSlot.objects.annotate(
        waiting=Count("entries", filter=Q(entries__status="pending"))
    ).order_by("start", "id")
    if not staff_can(user, "view", WaitlistSlot):
        own = seller_of(user)
        if own is None:
            return qs.none()
        qs = qs.filter(
            Q(seller=own) | Q(config__page__seller=own) | Q(meeting_type__page__seller=own)
        )
    if status:
        qs = qs.filter(status=status)
    if page:
        qs = qs.filter(Q(config__page_id=page) | Q(meeting_type__page_id=page))
    return qs


class WaitlistSlotViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WaitlistSlotSerializer
    permission_classes = [StaffOrOwner]
    pagination_class = WaitlistPagination

    def get_queryset(self) -> QuerySet[WaitlistSlot]:
        if getattr(self, "swagger_fake_view", False):
            return WaitlistSlot.objects.none()
        filters: dict[str, Any] = {}
        if self.action == "list":
            query = SlotFilterSerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            filters = query.validated_data
        return visible_slots(self.request.user, **filters)

    @extend_schema(parameters=[SlotFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
