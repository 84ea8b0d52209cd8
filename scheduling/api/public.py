"""Public API (no authentication): a page and its meeting types, and the offered slots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import cache as slot_cache
from scheduling.api.throttles import PublicThrottle
from scheduling.models import MeetingType, SchedulingPage
from scheduling.selectors import (
    SlotsAnswer,
    public_meeting_type,
    public_page,
    request_slot_days,
)
from sellers.api.fields import CountryCodeField, TimezoneField

MAX_RANGE_DAYS = 31
EARLIEST, LATEST = dt.date(1971, 1, 1), dt.date(9998, 12, 31)


class SlotsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(input_formats=["%Y-%m-%d"])
    end = serializers.DateField(input_formats=["%Y-%m-%d"])
    timezone = TimezoneField()
    country = CountryCodeField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs["start"], attrs["end"]
        for name in ("start", "end"):
            # Midnight of 0001-01-01 or 9999-12-31 in some zones is no UTC instant at all.
            if not EARLIEST <= attrs[name] <= LATEST:
                raise serializers.ValidationError(
                    {name: [f"Use a date between {EARLIEST} and {LATEST}."]}
                )
        if end < start:
            raise serializers.ValidationError({"end": ["end must not be before start."]})
        if (end - start).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"end": [f"The range may span at most {MAX_RANGE_DAYS} days."]}
            )
        attrs["country"] = attrs.get("country") or None
        return attrs


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    type = serializers.CharField()
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]
    options = serializers.ListField(child=serializers.CharField(), default=list)

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        return {
            "key": instance.get("key"),
            "label": instance.get("label"),
            "type": instance.get("type"),
            "required": bool(instance.get("required", False)),
            "options": list(instance.get("options", [])),
        }


class PublicMeetingTypeSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True)

    class Meta:
        model = MeetingType
        fields = ["slug", "name", "description", "duration", "location_type", "questions"]


class HostSerializer(serializers.Serializer):
    name = serializers.CharField()


class PublicPageSerializer(serializers.ModelSerializer):
    kind = serializers.CharField()
    host = serializers.SerializerMethodField()
    meeting_types = PublicMeetingTypeSerializer(many=True)

    class Meta:
        model = SchedulingPage
        fields = ["slug", "name", "description", "timezone", "kind", "host", "meeting_types"]

    @extend_schema_field(HostSerializer(allow_null=True))
    def get_host(self, page: SchedulingPage) -> dict[str, str] | None:
        return {"name": page.seller.name} if page.seller_id and page.seller else None


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]


class SlotDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    slots = serializers.ListField(child=serializers.DateTimeField())


class SlotsSerializer(serializers.Serializer):
    timezone = serializers.CharField()
    duration = serializers.IntegerField()
    days = SlotDaySerializer(many=True)


class PublicPageApi(PublicApi):
    """A booking page: its host and active meeting types."""

    @extend_schema(responses=PublicPageSerializer, operation_id="public_page")
    def get(self, request: Request, page: str) -> Response:
        try:
            found = public_page(page)
        except SchedulingPage.DoesNotExist as exc:
            raise NotFound("No such page.") from exc
        return Response(PublicPageSerializer(found).data)


class PublicSlotsApi(PublicApi):
    """Offered slot starts, date by date in the prospect's timezone.

    A warm answer never gets here: `scheduling.api.warm.WarmSlotsMiddleware` serves it
    from the cache by URL. This view computes it and caches it under that URL.
    """

    @extend_schema(
        parameters=[SlotsQuerySerializer],
        responses=SlotsSerializer,
        operation_id="public_slots",
    )
    def get(self, request: Request, page: str, meeting_type: str) -> HttpResponse:
        now = timezone.now()
        # Read before the meeting type it vouches for (an edit after it retires the entry).
        pages_token = slot_cache.pages_token()
        try:
            found = public_meeting_type(page, meeting_type)
        except MeetingType.DoesNotExist as exc:
            raise NotFound("No such page or meeting type.") from exc
        query = SlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        answer = request_slot_days(
            slots_request_key(request, now.timestamp()),
            pages_token,
            found,
            params["start"],
            params["end"],
            params["timezone"],
            now=now,
            country=params["country"],
        )
        return slots_response(request, answer)


def slots_request_key(request: HttpRequest, now: float) -> str:
    """The slot cache key of a `GET …/slots/` request: its URL, in the minute of `now`."""
    return slot_cache.request_key(request.path, request.META.get("QUERY_STRING", ""), now)


def slots_response(request: HttpRequest, answer: SlotsAnswer) -> HttpResponse:
    """The rendered answer as it is (no re-serialising of cached slots), with its strong
    ETag; 304 with no body when the client already holds it (`If-None-Match`)."""
    response: HttpResponse
    if _matches(request.headers.get("If-None-Match", ""), answer.etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(answer.body, content_type="application/json")
    response["ETag"] = answer.etag
    # Slots change with every booking: caches must ask again, and may revalidate.
    response["Cache-Control"] = "no-cache"
    return response


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: `*`, or any listed tag equal under weak comparison."""
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


class PublicNotFoundApi(PublicApi):
    """Any other path under the public API: the contract's 404 envelope, for every method."""

    schema = None  # not part of the API description

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound("Not found.")
