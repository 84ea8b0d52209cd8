"""Public booking API (no authentication, throttled per IP): book, and the manage link's
read, reschedule slots, cancel and reschedule. Thin: the services decide."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from bookings import selectors, services
from bookings.api.serializers import (
    BookingCreateInputSerializer,
    CancelInputSerializer,
    CreatedBookingSerializer,
    ManagedBookingSerializer,
    PendingBookingSerializer,
    PublicBookingSerializer,
    RescheduleInputSerializer,
)
from bookings.models import Booking, BookingStatus
from bookings.throttling import BookingsPerIpThrottle, BookingsPerPageThrottle, PublicThrottle
from scheduling.api.public import SlotsQuerySerializer, SlotsSerializer, slots_response
from scheduling.models import MeetingType
from scheduling.selectors import public_meeting_type, slot_days


# Every answer here carries or is addressed by a manage token: never cached.
@method_decorator(never_cache, name="dispatch")
class PublicBookingApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    def body(
        self, request: Request, serializer_class: type[Serializer], **context: Any
    ) -> dict[str, Any]:
        """The body checked by ``serializer_class`` (the class the schema names)."""
        if not isinstance(request.data, dict):
            raise ParseError("The body must be a JSON object.")
        serializer = serializer_class(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def booking(self, token: str) -> Booking:
        return selectors.booking_for_token(token)

    def answer(self, booking: Booking, token: str, status: int = 200) -> Response:
        context = {"manage_token": token, "include_token": False}
        return Response(PublicBookingSerializer(booking, context=context).data, status=status)


class BookingCreateApi(PublicBookingApi):
    """Book a slot. ``Idempotency-Key``: the same key and body replay the first answer."""

    #: Where the booking says it came from (the booking page's endpoint says ``web``).
    source = Booking.Source.API
    throttle_classes = [PublicThrottle, BookingsPerIpThrottle, BookingsPerPageThrottle]

    def language(self, request: Request) -> str:
        """The prospect's language; the API leaves it to the page's default."""
        return ""

    @extend_schema(
        request=BookingCreateInputSerializer,
        responses={201: CreatedBookingSerializer, 202: PendingBookingSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                # What the service accepts (1-255 printable characters), as ASCII for a header.
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
                OpenApiParameter.HEADER,
                required=False,
            )
        ],
        operation_id="public_booking_create",
    )
    def post(self, request: Request, page: str, meeting_type: str) -> Response:
        try:
            found = public_meeting_type(page, meeting_type)
        except MeetingType.DoesNotExist as exc:
            raise NotFound("No such page or meeting type.") from exc
        data = self.body(
            request, BookingCreateInputSerializer, questions=list(found.questions or [])
        )
        result = services.create_booking(
            meeting_type=found,
            idempotency_key=request.headers.get("Idempotency-Key"),
            source=self.source,
            language=self.language(request),
            **data,
        )
        if result.booking.status == BookingStatus.PENDING:
            # The link goes by email only: whoever holds it proved the address.
            return Response(PendingBookingSerializer(result.booking).data, status=202)
        context = {"manage_token": result.manage_token}
        return Response(PublicBookingSerializer(result.booking, context=context).data, status=201)


class BookingManageApi(PublicBookingApi):
    """The booking a manage link opens."""

    @extend_schema(responses=ManagedBookingSerializer, operation_id="public_booking_read")
    def get(self, request: Request, token: str) -> Response:
        return self.answer(self.booking(token), token)


class BookingConfirmApi(PublicBookingApi):
    """Confirm a booking that awaits its email confirmation; again: 200, nothing changes."""

    @extend_schema(
        request=None, responses=ManagedBookingSerializer, operation_id="public_booking_confirm"
    )
    def post(self, request: Request, token: str) -> Response:
        booking = self.booking(token)
        confirmed = services.confirm_booking(booking=booking, manage_token=token)
        return self.answer(confirmed, token)


class BookingRescheduleSlotsApi(PublicBookingApi):
    """Slots to move the booking to; its own time does not block itself."""

    @extend_schema(
        parameters=[SlotsQuerySerializer],
        responses=SlotsSerializer,
        operation_id="public_booking_slots",
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        booking = self.booking(token)
        now = timezone.now()
        if booking.status != BookingStatus.CONFIRMED or booking.start <= now:
            raise services.NotActive("This booking can no longer be moved.")
        query = SlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        answer = slot_days(
            booking.meeting_type,
            params["start"],
            params["end"],
            params["timezone"],
            now=now,
            country=booking.country or None,
            exclude_booking_id=booking.pk,
        )
        return slots_response(request, answer)


class BookingCancelApi(PublicBookingApi):
    """Cancel; cancelling again answers 200 and changes nothing."""

    @extend_schema(
        request=CancelInputSerializer,
        responses=ManagedBookingSerializer,
        operation_id="public_booking_cancel",
    )
    def post(self, request: Request, token: str) -> Response:
        booking = self.booking(token)
        reason = self.body(request, CancelInputSerializer).get("reason") or ""
        cancelled = services.cancel_booking(booking=booking, reason=reason)
        return self.answer(cancelled, token)


class BookingRescheduleApi(PublicBookingApi):
    """Move to another offered slot: same id, same manage link."""

    @extend_schema(
        request=RescheduleInputSerializer,
        responses=ManagedBookingSerializer,
        operation_id="public_booking_reschedule",
    )
    def post(self, request: Request, token: str) -> Response:
        booking = self.booking(token)
        data = self.body(request, RescheduleInputSerializer)
        moved = services.reschedule_booking(
            booking=booking,
            start=data["start"],
            timezone=data.get("timezone"),
            manage_token=token,
        )
        moved = selectors.booking_for_token(token)  # fresh, with its relations
        return self.answer(moved, token)
