"""Authenticated waitlist API: entries and slots (staff all, sellers their pages'), the
staff actions, and the voice agent's hand-off (its own API key per business)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from config.throttling import PublicThrottle
from sellers.api.permissions import StaffOrOwner
from waitlist import selectors
from waitlist.api.serializers import (
    CallRecordedSerializer,
    CallSerializer,
    EntrySerializer,
    ListFilterSerializer,
    SlotFilterSerializer,
    SlotSerializer,
    TriggeredSerializer,
    TriggerSerializer,
)
from waitlist.models import WaitlistEntry, WaitlistSlot
from waitlist.services import join, offers, voice


class FilterByPagePagination(PageNumberPagination):
    """``page`` is the contract's filter (a page id) here: the page number moves to ``p``
    (the ``next``/``previous`` links carry it)."""

    page_query_param = "p"


class _Listed(viewsets.ReadOnlyModelViewSet):
    permission_classes = [StaffOrOwner]  # actions: the staff change permission
    pagination_class = FilterByPagePagination
    select = staticmethod(selectors.entry_list)
    model: Any = WaitlistEntry
    filters: type[ListFilterSerializer] = ListFilterSerializer

    def owner_id(self, obj: Any) -> None:
        return None  # only staff act on the waitlist

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        filters: dict[str, Any] = {}
        if self.action == "list":
            query = self.filters(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            filters = query.validated_data
        return self.select(user=self.request.user, **filters)

    @extend_schema(parameters=[ListFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class EntryViewSet(_Listed):
    """Waitlist entries. Filters ``status``, ``page``."""

    serializer_class = EntrySerializer

    def _reload(self, entry: WaitlistEntry) -> Response:
        return Response(EntrySerializer(self.get_queryset().get(pk=entry.pk)).data)

    @extend_schema(request=None, responses=EntrySerializer)
    @action(detail=True, methods=["post"])
    def offer(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        offers.offer_now(entry=entry)
        return self._reload(entry)

    @extend_schema(request=None, responses=EntrySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._reload(offers.cancel_entry(entry=self.get_object()))


class SlotViewSet(_Listed):
    """Watched slots. Filters ``status``, ``page``."""

    serializer_class = SlotSerializer
    select = staticmethod(selectors.slot_list)
    model = WaitlistSlot
    filters = SlotFilterSerializer

    @extend_schema(parameters=[SlotFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


API_KEY = OpenApiParameter("X-Api-Key", str, OpenApiParameter.HEADER, required=True)


class VoiceAgentApi(APIView):
    """Authenticated by the business's ``X-Api-Key`` alone (n8n holds no user session)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    def body(self, request: Request, serializer_class: type[Serializer]) -> dict[str, Any]:
        """The design's payload checked by ``serializer_class`` (the class the schema names),
        under the design's own keys."""
        if not isinstance(request.data, dict):
            raise ParseError("The body must be a JSON object.")
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class TriggerApi(VoiceAgentApi):
    """The voice agent's hand-off: join the waitlist of the key's business."""

    @extend_schema(
        request=TriggerSerializer,
        responses={201: TriggeredSerializer},
        parameters=[API_KEY],
        operation_id="waitlist_n8n_trigger",
    )
    def post(self, request: Request) -> Response:
        config = voice.business_for_key(request.headers.get("X-Api-Key"))
        result = voice.trigger(config=config, data=self.body(request, TriggerSerializer))
        answer = {
            "success": True,
            "entry_id": str(result.entry.pk),
            "slot_id": str(result.entry.slot_id),
            "position": join.position(result.entry),
        }
        return Response(answer, status=201)


class CallWebhookApi(VoiceAgentApi):
    """The end-of-call report: stored; with ``wants_waitlist: true`` it joins."""

    @extend_schema(
        request=CallSerializer,
        responses={201: CallRecordedSerializer},
        parameters=[API_KEY],
        operation_id="waitlist_n8n_call",
    )
    def post(self, request: Request) -> Response:
        config = voice.business_for_key(request.headers.get("X-Api-Key"))
        call, error = voice.record_call(config=config, data=self.body(request, CallSerializer))
        answer = {
            "success": True,
            "call_id": str(call.pk),
            "entry_id": str(call.entry_id) if call.entry_id else None,
            "waitlist_error": error or None,
        }
        return Response(answer, status=201)
