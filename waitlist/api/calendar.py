"""``/api/v1/waitlist/calendar-configs/``: a business's waitlist calendar (seed design 003,
"Calendar Configuration Endpoints"): the config itself, then connect Google
(``{id}/oauth/google/start/``), list calendars, select, toggle, disconnect.

Staff act by their model permissions on ``WaitlistCalendarConfig``; a seller reads and
changes the configs of their own pages. Connecting Google is staff-only (the OAuth callback
is an admin page) and needs session authentication: the browser that follows the returned
URL must carry the session that began the flow.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling.models import SchedulingPage
from sellers.api.permissions import StaffOrOwner, seller_of, staff_can
from sellers.models import Seller
from waitlist.models import WaitlistCalendarConfig
from waitlist.services import calendar_config

Provider = WaitlistCalendarConfig.Provider


class CalendarConfigSerializer(serializers.ModelSerializer):
    connection = serializers.SerializerMethodField()

    class Meta:
        model = WaitlistCalendarConfig
        fields = (
            "id",
            "business_name",
            "page",
            "provider",
            "connection",
            "calendar_id",
            "calendar_name",
            "is_enabled",
            "check_interval_minutes",
            "response_minutes",
            "last_sync_at",
            "last_error",
            "created_at",
        )
        read_only_fields = (
            "id",
            "provider",
            "calendar_id",
            "calendar_name",
            "last_sync_at",
            "last_error",
            "created_at",
        )

    @extend_schema(
        responses=inline_serializer(
            "WaitlistConnection",
            {
                "id": serializers.UUIDField(),
                "account_email": serializers.EmailField(),
                "status": serializers.CharField(),
            },
        )
    )
    def get_connection(self, config: WaitlistCalendarConfig) -> dict[str, Any] | None:
        connection = config.connection
        if connection is None:
            return None
        return {
            "id": connection.pk,
            "account_email": connection.account_email,
            "status": connection.status,
        }

    def validate_page(self, page: SchedulingPage | None) -> SchedulingPage | None:
        user = self.context["request"].user
        if page is None or staff_can(user, "change", WaitlistCalendarConfig):
            return page
        own = seller_of(user)
        if own is None or page.seller_id != own.pk:
            raise serializers.ValidationError(_("You may only use a page of your own."))
        return page


class CalendarSerializer(serializers.Serializer):
    id = serializers.CharField(source="calendar_id")
    name = serializers.CharField()
    primary = serializers.BooleanField()


class SelectSerializer(serializers.Serializer):
    calendar_id = serializers.CharField(max_length=255)
    calendar_name = serializers.CharField(max_length=255, required=False, allow_blank=True)


class ToggleSerializer(serializers.Serializer):
    is_enabled = serializers.BooleanField()


class ConnectSerializer(serializers.Serializer):
    seller = serializers.PrimaryKeyRelatedField(
        queryset=Seller.objects.all(),
        required=False,
        help_text="Whose Google account; default: the page's seller",
    )


class CalendarConfigViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = CalendarConfigSerializer
    permission_classes = [StaffOrOwner]

    def owner_id(self, config: WaitlistCalendarConfig) -> Any:
        return config.page.seller_id if config.page else None

    def get_queryset(self) -> QuerySet[WaitlistCalendarConfig]:
        qs = WaitlistCalendarConfig.objects.select_related("connection", "page").order_by(
            "business_name", "id"
        )
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        if staff_can(self.request.user, "view", WaitlistCalendarConfig):
            return qs
        own = seller_of(self.request.user)
        return qs.filter(page__seller=own) if own else qs.none()

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        # Without the add permission: only for a page, which validate_page made sure is theirs.
        user = self.request.user
        if not (
            staff_can(user, "add", WaitlistCalendarConfig) or serializer.validated_data.get("page")
        ):
            raise PermissionDenied(_("You may only add a configuration for a page of your own."))
        serializer.save()

    def _changed(self, config: WaitlistCalendarConfig) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=config.pk)).data)

    @extend_schema(
        responses=inline_serializer(
            "WaitlistCalendars", {"calendars": CalendarSerializer(many=True)}
        )
    )
    @action(detail=True, methods=["get"])
    def calendars(self, request: Request, pk: str | None = None) -> Response:
        found = calendar_config.list_calendars(config=self.get_object())
        return Response({"calendars": CalendarSerializer(found, many=True).data})

    @extend_schema(request=SelectSerializer, responses=CalendarConfigSerializer)
    @action(detail=True, methods=["post"])
    def select(self, request: Request, pk: str | None = None) -> Response:
        data = SelectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        config = calendar_config.select_calendar(config=self.get_object(), **data.validated_data)
        return self._changed(config)

    @extend_schema(request=ToggleSerializer, responses=CalendarConfigSerializer)
    @action(detail=True, methods=["post"])
    def toggle(self, request: Request, pk: str | None = None) -> Response:
        data = ToggleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        config = calendar_config.set_enabled(config=self.get_object(), **data.validated_data)
        return self._changed(config)

    @extend_schema(request=None, responses=CalendarConfigSerializer)
    @action(detail=True, methods=["post"])
    def disconnect(self, request: Request, pk: str | None = None) -> Response:
        return self._changed(calendar_config.disconnect(config=self.get_object()))

    @extend_schema(
        parameters=[ConnectSerializer],
        responses=inline_serializer("WaitlistOAuthStart", {"oauth_url": serializers.URLField()}),
    )
    @action(detail=True, methods=["get"], url_path="oauth/google/start")
    def oauth_google_start(self, request: Request, pk: str | None = None) -> Response:
        config = self.get_object()
        if not staff_can(request.user, "change", WaitlistCalendarConfig):
            raise PermissionDenied(_("Connecting Google is for staff."))
        data = ConnectSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        url = calendar_config.begin_google_connect(
            config=config,
            session=request.session,
            return_to=reverse("admin:waitlist_google_connected", args=[config.pk]),
            seller=data.validated_data.get("seller"),
        )
        return Response({"oauth_url": url})
