"""Booking representations of the HTTP contract (docs/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.models import Booking, BookingStatus
from bookings.tokens import manage_url
from scheduling.api.public import HostSerializer
from sellers.api.permissions import seller_of, staff_can


def parse_datetime(value: Any) -> Any:
    """An ISO 8601 string with an offset → aware datetime; anything else is returned as is
    (the service reports it as invalid with the other field errors)."""
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value
        if parsed.tzinfo is not None and parsed.utcoffset() is not None:
            return parsed
    return value


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


class ManagedBookingSerializer(PublicBookingSerializer):
    """Schema of the manage-link answers."""

    manage_url = serializers.URLField()


class BookingCreateSerializer(serializers.Serializer):
    """The request body (documentation; the service checks every field at once)."""

    start = serializers.DateTimeField(help_text="ISO 8601 with an offset")
    timezone = serializers.CharField(help_text="IANA name, e.g. America/Lima")
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    phone = serializers.CharField(required=False, allow_blank=True)
    company = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    city = serializers.CharField(required=False, allow_blank=True)
    answers = serializers.DictField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="ISO 8601 with an offset")
    timezone = serializers.CharField(required=False, allow_blank=True)


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
    cancelled_at = serializers.DateTimeField()
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
    status = serializers.ChoiceField(choices=BookingStatus.choices, required=False)
    email = serializers.CharField(required=False)
    start_after = serializers.CharField(required=False, help_text="ISO 8601 with an offset")
    start_before = serializers.CharField(required=False, help_text="ISO 8601 with an offset")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        for name in ("start_after", "start_before"):
            if name in attrs:
                parsed = parse_datetime(attrs[name])
                if not isinstance(parsed, dt.datetime):
                    errors[name] = ["Give a date and time with its UTC offset."]
                attrs[name] = parsed
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


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
