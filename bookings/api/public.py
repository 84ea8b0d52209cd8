"""Public booking API (no authentication, throttled per IP): book, and the manage link's
read, reschedule slots, cancel and reschedule. Thin: the services decide."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors, services
from bookings.api.serializers import (
    BookingCreateSerializer,
    CancelSerializer,
    CreatedBookingSerializer,
    ManagedBookingSerializer,
    PublicBookingSerializer,
    RescheduleSerializer,
    parse_datetime,
)
from bookings.models import Booking, BookingStatus
from bookings.throttling import PublicThrottle
from config.errors import Invalid
from scheduling.api.public import SlotsQuerySerializer, SlotsSerializer
from scheduling.models import MeetingType
from scheduling.selectors import public_meeting_type, slot_days


# Every answer here carries or is addressed by a manage token: never cached.
@method_decorator(never_cache, name="dispatch")
class PublicBookingApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    def body(self, request: Request) -> dict[str, Any]:
        data = request.data
        if not isinstance(data, dict):
            raise ParseError("The body must be a JSON object.")
        return data

    def booking(self, token: str) -> Booking:
        return selectors.booking_for_token(token)

    def answer(self, booking: Booking, token: str, status: int = 200) -> Response:
        context = {"manage_token": token, "include_token": False}
        return Response(PublicBookingSerializer(booking, context=context).data, status=status)


class BookingCreateApi(PublicBookingApi):
    """Book a slot. ``Idempotency-Key``: the same key and body replay the first answer."""

    #: Where the booking says it came from (the booking page's endpoint says ``web``).
    source = Booking.Source.API

    def language(self, request: Request) -> str:
        """The prospect's language; the API leaves it to the page's default."""
        return ""

    @extend_schema(
        request=BookingCreateSerializer,
        responses={201: CreatedBookingSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
        operation_id="public_booking_create",
    )
    def post(self, request: Request, page: str, meeting_type: str) -> Response:
        try:
            found = public_meeting_type(page, meeting_type)
        except MeetingType.DoesNotExist as exc:
            raise NotFound("No such page or meeting type.") from exc
        data = self.body(request)
        fields = ("phone", "company", "country", "city", "notes")
        result = services.create_booking(
            meeting_type=found,
            start=parse_datetime(data.get("start")),
            timezone=data.get("timezone"),
            name=data.get("name"),
            email=data.get("email"),
            answers=data.get("answers"),
            idempotency_key=request.headers.get("Idempotency-Key"),
            source=self.source,
            language=self.language(request),
            **{name: data.get(name, "") for name in fields},
        )
        context = {"manage_token": result.manage_token}
        return Response(PublicBookingSerializer(result.booking, context=context).data, status=201)


class BookingManageApi(PublicBookingApi):
    """The booking a manage link opens."""

    @extend_schema(responses=ManagedBookingSerializer, operation_id="public_booking_read")
    def get(self, request: Request, token: str) -> Response:
        return self.answer(self.booking(token), token)


class BookingRescheduleSlotsApi(PublicBookingApi):
    """Slots to move the booking to; its own time does not block itself."""

    @extend_schema(
        parameters=[SlotsQuerySerializer],
        responses=SlotsSerializer,
        operation_id="public_booking_slots",
    )
    def get(self, request: Request, token: str) -> Response:
        booking = self.booking(token)
        now = timezone.now()
        if booking.status != BookingStatus.CONFIRMED or booking.start <= now:
            raise services.NotActive("This booking can no longer be moved.")
        query = SlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        body = slot_days(
            booking.meeting_type,
            params["start"],
            params["end"],
            params["timezone"],
            now=now,
            country=booking.country or None,
            exclude_booking_id=booking.pk,
        )
        return Response(body)


class BookingCancelApi(PublicBookingApi):
    """Cancel; cancelling again answers 200 and changes nothing."""

    @extend_schema(
        request=CancelSerializer,
        responses=ManagedBookingSerializer,
        operation_id="public_booking_cancel",
    )
    def post(self, request: Request, token: str) -> Response:
        booking = self.booking(token)
        data = self.body(request)
        reason = data.get("reason", "")
        if reason is None:
            reason = ""
        if not isinstance(reason, str) or len(reason) > 2000:
            raise Invalid("Some fields are not valid.", {"reason": ["At most 2000 characters."]})
        cancelled = services.cancel_booking(booking=booking, reason=reason)
        return self.answer(cancelled, token)


class BookingRescheduleApi(PublicBookingApi):
    """Move to another offered slot: same id, same manage link."""

    @extend_schema(
        request=RescheduleSerializer,
        responses=ManagedBookingSerializer,
        operation_id="public_booking_reschedule",
    )
    def post(self, request: Request, token: str) -> Response:
        booking = self.booking(token)
        data = self.body(request)
        moved = services.reschedule_booking(
            booking=booking,
            start=parse_datetime(data.get("start")),
            timezone=data.get("timezone"),
            manage_token=token,
        )
        moved = selectors.booking_for_token(token)  # fresh, with its relations
        return self.answer(moved, token)
