"""Booking representations of the HTTP contract (docs/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.models import Booking, BookingStatus
from bookings.tokens import manage_url
from bookings.validation import clean_answers, normalise_phone
from scheduling.api.public import HostSerializer
from sellers.api.fields import (
    ChoiceField,
    CountryCodeField,
    EmailField,
    JSONObjectField,
    MultilineTextField,
    OffsetDateTimeField,
    TextField,
    TimezoneField,
)
from sellers.api.permissions import seller_of, staff_can


def local(booking: Booking, instant: dt.datetime) -> str:
    return instant.astimezone(ZoneInfo(booking.timezone)).isoformat()


class MeetingTypeRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    duration = serializers.IntegerField()


class LocationSerializer(serializers.Serializer):
    type = serializers.CharField()
    value = serializers.CharField()


class PublicBookingSerializer(serializers.Serializer):
    """The booking as the prospect sees it. ``manage_token`` only in the 201 answer (pass
    ``context={"manage_token": …}``); ``manage_url`` whenever the token is known."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=BookingStatus.choices)
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    timezone = serializers.CharField()
    meeting_type = serializers.SerializerMethodField()
    host = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField())
    def get_start(self, booking: Booking) -> str:
        return local(booking, booking.start)

    @extend_schema_field(serializers.DateTimeField())
    def get_end(self, booking: Booking) -> str:
        return local(booking, booking.end)

    @extend_schema_field(MeetingTypeRefSerializer)
    def get_meeting_type(self, booking: Booking) -> dict[str, Any]:
        mt = booking.meeting_type
        return {"slug": mt.slug, "name": mt.name, "duration": mt.duration}

    @extend_schema_field(HostSerializer)
    def get_host(self, booking: Booking) -> dict[str, str]:
        return {"name": booking.seller.name}

    @extend_schema_field(LocationSerializer)
    def get_location(self, booking: Booking) -> dict[str, str]:
        return {"type": booking.location_type, "value": booking.location or booking.meeting_url}

    def to_representation(self, booking: Booking) -> dict[str, Any]:
        data = super().to_representation(booking)
        token = self.context.get("manage_token")
        if token:
            if self.context.get("include_token", True):
                data["manage_token"] = token
            data["manage_url"] = manage_url(token)
        return data


class CreatedBookingSerializer(PublicBookingSerializer):
    """Schema of the 201 answer."""

    manage_token = serializers.CharField()
    manage_url = serializers.URLField()


class PendingBookingSerializer(PublicBookingSerializer):
    """Schema of the 202 answer (``BOOKING_EMAIL_CONFIRMATION``): the booking awaits the
    prospect's confirmation through the emailed link, so the answer carries no token."""

    confirm_by = serializers.DateTimeField()


class ManagedBookingSerializer(PublicBookingSerializer):
    """Schema of the manage-link answers."""

    manage_url = serializers.URLField()


def _country_hint(serializer: serializers.BaseSerializer) -> str:
    """The body's ``country`` when it is a valid code, to read national phone numbers with;
    taken from the raw body so a phone error is reported together with every other one."""
    data = getattr(serializer, "initial_data", None)
    raw = data.get("country") if isinstance(data, dict) else None
    code = raw.strip().upper() if isinstance(raw, str) else ""
    return code if code and countries.alpha2(code) == code else ""


class PhoneField(TextField):
    """A phone number, national (read with the body's ``country``) or international."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value:
            try:
                normalise_phone(value, _country_hint(self.parent))
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from exc
        return value


class BookingCreateInputSerializer(serializers.Serializer):
    """The request body of ``POST …/bookings/``. Pass ``context={"questions": …}`` (the
    meeting type's) so answers are checked against them."""

    start = OffsetDateTimeField(help_text="ISO 8601 with an offset")
    timezone = TimezoneField(help_text="IANA name, e.g. America/Lima")
    name = TextField(max_length=200)
    email = EmailField()
    phone = PhoneField(required=False, allow_blank=True, max_length=40)
    company = TextField(required=False, allow_blank=True, max_length=200)
    country = CountryCodeField(required=False, allow_blank=True)
    city = TextField(required=False, allow_blank=True, max_length=100)
    answers = JSONObjectField(required=False, help_text="Question key → answer")
    notes = MultilineTextField(required=False, allow_blank=True, max_length=5000)

    def validate_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        clean_answers(self.context.get("questions", []), answers, _country_hint(self), errors)
        if errors:
            raise serializers.ValidationError(
                {name.removeprefix("answers."): messages for name, messages in errors.items()}
            )
        return answers


class CancelInputSerializer(serializers.Serializer):
    # Multi-line: the manage page asks for it in a textarea.
    reason = MultilineTextField(required=False, allow_blank=True, allow_null=True, max_length=2000)


class RescheduleInputSerializer(serializers.Serializer):
    start = OffsetDateTimeField(help_text="ISO 8601 with an offset")
    timezone = TimezoneField(
        required=False, allow_blank=True, allow_null=True, help_text="Default: the booking's"
    )


class RoutingSerializer(serializers.Serializer):
    strategy = serializers.CharField()
    reason = serializers.CharField()
    rule = serializers.UUIDField(allow_null=True)
    candidates = serializers.ListField(child=serializers.DictField())


class BookingSerializer(PublicBookingSerializer):
    """The authenticated API's booking: the public fields and the back-office ones."""

    seller = serializers.UUIDField(source="seller_id")
    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()
    company = serializers.CharField()
    country = serializers.CharField()
    city = serializers.CharField()
    answers = serializers.JSONField()
    notes = serializers.CharField()
    # A field named like Field.source: DRF's metaclass takes it out of the class attributes.
    source = serializers.CharField()  # type: ignore[assignment]
    cancellation_reason = serializers.CharField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    sequence = serializers.IntegerField()
    routing = serializers.SerializerMethodField()
    calendar_synced = serializers.BooleanField()
    crm_synced = serializers.SerializerMethodField()
    needs_manual_sync = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(RoutingSerializer(allow_null=True))
    def get_routing(self, booking: Booking) -> dict[str, Any] | None:
        decision = booking.routing_decision
        if decision is None:
            return None
        return {
            "strategy": decision.strategy,
            "reason": decision.reason,
            "rule": str(decision.rule_id) if decision.rule_id else None,
            "candidates": self._visible_candidates(decision.candidates),
        }

    def _visible_candidates(self, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Staff who may view bookings see every figure; a seller sees their own and only
        the name and rank of teammates (their load and weight are not theirs to see)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if staff_can(user, "view", Booking):
            return candidates
        own = str(getattr(seller_of(user), "pk", ""))
        return [
            c if c.get("seller") == own else {k: c[k] for k in ("seller", "name", "rank") if k in c}
            for c in candidates
        ]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_crm_synced(self, booking: Booking) -> bool | None:
        """Synced with every configured CRM; null when no CRM is configured."""
        flags = []
        if settings.PIPEDRIVE_API_TOKEN:
            flags.append(booking.pipedrive_synced)
        if settings.HUBSPOT_ACCESS_TOKEN:
            flags.append(booking.hubspot_synced)
        return all(flags) if flags else None


class BookingFilterSerializer(serializers.Serializer):
    seller = serializers.UUIDField(required=False)
    status = ChoiceField(choices=BookingStatus.choices, required=False)
    email = TextField(required=False)
    start_after = OffsetDateTimeField(required=False, help_text="ISO 8601 with an offset")
    start_before = OffsetDateTimeField(required=False, help_text="ISO 8601 with an offset")


class MetricsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(input_formats=["%Y-%m-%d"])
    end = serializers.DateField(input_formats=["%Y-%m-%d"])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["end must not be before start."]})
        if (attrs["end"] - attrs["start"]).days > 366:
            raise serializers.ValidationError({"end": ["The range may span at most 366 days."]})
        return attrs


class CountryFiguresSerializer(serializers.Serializer):
    bookings = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    rescheduled = serializers.IntegerField()
    completed = serializers.IntegerField()
    no_show = serializers.IntegerField()


class SellerMetricsSerializer(CountryFiguresSerializer):
    seller = serializers.UUIDField()
    name = serializers.CharField()
    by_country = serializers.DictField(child=CountryFiguresSerializer())
