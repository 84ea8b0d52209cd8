"""Public waitlist API (no authentication, throttled per IP): join, and what a waitlist
link opens — read, confirm, accept, decline, cancel. Thin: the services decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.api.public import PublicBookingApi
from bookings.api.serializers import CreatedBookingSerializer, PublicBookingSerializer
from scheduling.models import MeetingType
from scheduling.selectors import public_meeting_type
from waitlist.api.serializers import (
    AcceptSerializer,
    ConfirmSerializer,
    JoinedSerializer,
    JoinSerializer,
    PublicEntrySerializer,
)
from waitlist.models import WaitlistEntry, WaitlistToken
from waitlist.services import join, offers, tokens


def entry_answer(entry: WaitlistEntry, status: int = 200) -> Response:
    fresh = (
        WaitlistEntry.objects.select_related("slot", "hold", "booking").filter(pk=entry.pk).get()
    )
    return Response(PublicEntrySerializer(fresh).data, status=status)


class WaitlistJoinApi(PublicBookingApi):
    """Join the waitlist for a taken time: 201, or 200 with the same entry when this phone
    already waits for it."""

    source = WaitlistEntry.Source.WEB

    @extend_schema(
        request=JoinSerializer,
        responses={201: JoinedSerializer, 200: JoinedSerializer},
        operation_id="public_waitlist_join",
    )
    def post(self, request: Request, page: str, meeting_type: str) -> Response:
        try:
            found = public_meeting_type(page, meeting_type)
        except MeetingType.DoesNotExist as exc:
            raise NotFound("No such page or meeting type.") from exc
        data = self.body(request, JoinSerializer)
        result = join.join_waitlist(
            meeting_type=found,
            start=data.get("start"),
            timezone_name=data.get("timezone"),
            first_name=data.get("first_name"),
            last_name=data.get("last_name", ""),
            phone=data.get("phone"),
            email=data.get("email", ""),
            party_size=data.get("party_size"),
            alternatives=data.get("alternatives"),
            source=self.source,
        )
        return Response(JoinedSerializer(result).data, status=201 if result.created else 200)


class WaitlistTokenApi(PublicBookingApi):
    def token(self, token: str) -> WaitlistToken:
        return tokens.open_token(token)


class WaitlistEntryApi(WaitlistTokenApi):
    @extend_schema(responses=PublicEntrySerializer, operation_id="public_waitlist_read")
    def get(self, request: Request, token: str) -> Response:
        return entry_answer(self.token(token).entry)


class WaitlistConfirmApi(WaitlistTokenApi):
    """Complete the registration: details and the times that suit."""

    @extend_schema(
        request=ConfirmSerializer,
        responses=PublicEntrySerializer,
        operation_id="public_waitlist_confirm",
    )
    def post(self, request: Request, token: str) -> Response:
        row = self.token(token)
        data: dict[str, Any] = self.body(request, ConfirmSerializer)
        entry = join.confirm_registration(
            entry=row.entry,
            first_name=data.get("first_name"),
            last_name=data.get("last_name", ""),
            phone=data.get("phone"),
            email=data.get("email", ""),
            selected_slots=data.get("selected_slots"),
        )
        return entry_answer(entry)


class WaitlistAcceptApi(WaitlistTokenApi):
    """Take the offered time: 201 with the booking, as ``POST …/bookings/`` answers."""

    @extend_schema(
        request=AcceptSerializer,
        responses={201: CreatedBookingSerializer},
        operation_id="public_waitlist_accept",
    )
    def post(self, request: Request, token: str) -> Response:
        row = self.token(token)
        data = self.body(request, AcceptSerializer)
        result = offers.accept(entry=row.entry, email=data.get("email"), token=row)
        context = {"manage_token": result.manage_token}
        return Response(PublicBookingSerializer(result.booking, context=context).data, status=201)


class WaitlistDeclineApi(WaitlistTokenApi):
    @extend_schema(
        request=None, responses=PublicEntrySerializer, operation_id="public_waitlist_decline"
    )
    def post(self, request: Request, token: str) -> Response:
        row = self.token(token)
        return entry_answer(offers.decline(entry=row.entry, token=row))


class WaitlistCancelApi(WaitlistTokenApi):
    @extend_schema(
        request=None, responses=PublicEntrySerializer, operation_id="public_waitlist_cancel"
    )
    def post(self, request: Request, token: str) -> Response:
        return entry_answer(offers.cancel_entry(entry=self.token(token).entry))
