"""``/api/v1/webhooks/``: staff only, by model permission, as in the admin."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from sellers.api.permissions import staff_can
from webhooks import services
from webhooks.api.serializers import (
    CreatedWebhookSubscriptionSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)
from webhooks.models import WebhookDelivery, WebhookSubscription

#: The model permission each method needs (the admin's, per ``staff_can``).
PERMISSION_BY_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}
#: Staff actions on a subscription need the change permission, whatever their method.
CHANGE_ACTIONS = {"test", "redeliver"}

#: How many deliveries the log shows (newest first).
LOG_LENGTH = 100


class StaffModelPermission(BasePermission):
    """Staff with the model permission for the method; sellers and others get 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        needed = PERMISSION_BY_METHOD.get(request.method or "", "change")
        if getattr(view, "action", None) in CHANGE_ACTIONS:
            needed = "change"
        return staff_can(request.user, needed, WebhookSubscription)


class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    """Webhook subscriptions, their delivery log, test events and redeliveries."""

    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [StaffModelPermission]
    queryset = WebhookSubscription.objects.all()

    @extend_schema(responses={201: CreatedWebhookSubscriptionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = serializer.save()
        # The one time the secret is shown: the receiver needs it to check signatures.
        return Response(
            CreatedWebhookSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the newest LOG_LENGTH
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The subscription's delivery log, newest first."""
        log = self._deliveries(self.get_object())[:LOG_LENGTH]
        return Response(WebhookDeliverySerializer(log, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Send a ``webhook.test`` event to this subscription."""
        delivery = services.send_test_event(self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/redeliver",
    )
    def redeliver(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        """Send a logged delivery's event again (same event id) as a new delivery."""
        source = self._deliveries(self.get_object()).filter(pk=delivery_id).first()
        if source is None:
            raise NotFound("No such delivery for this subscription.")
        delivery = services.redeliver(source)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    def _deliveries(self, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
        return subscription.deliveries.select_related("event", "job").order_by("-created_at")
