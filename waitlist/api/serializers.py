"""Waitlist representations of the HTTP contract (docs/api.md, "Waitlist (public)" and
the authenticated waitlist rows). The input classes check each field's shape (the same
classes the OpenAPI schema comes from); the services then check the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sellers.api.fields import (
    EmailField,
    JSONObjectField,
    OffsetDateTimeField,
    TextField,
    TimezoneField,
)
from waitlist.models import WaitlistEntry, WaitlistSlot
from waitlist.services.join import position, wanted_starts


def _local(entry: WaitlistEntry, values: list[Any]) -> list[str]:
    zone = ZoneInfo(str(entry.timezone))
    out = []
    for value in values:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        out.append(when.astimezone(zone).isoformat())
    return out


class JoinSerializer(serializers.Serializer):
    start = OffsetDateTimeField()
    timezone = TimezoneField()
    first_name = TextField(max_length=100)
    last_name = TextField(required=False, allow_blank=True, max_length=100)
    phone = TextField(max_length=40)
    email = EmailField(required=False, allow_blank=True)
    party_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    alternatives = serializers.ListField(child=OffsetDateTimeField(), required=False)


class ConfirmSerializer(serializers.Serializer):
    first_name = TextField(max_length=100)
    last_name = TextField(required=False, allow_blank=True, max_length=100)
    phone = TextField(max_length=40)
    email = EmailField(required=False, allow_blank=True)
    selected_slots = serializers.ListField(child=OffsetDateTimeField())


class AcceptSerializer(serializers.Serializer):
    email = EmailField(required=False, allow_blank=True)


class JoinedSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="entry.id")
    status = serializers.CharField(source="entry.status")
    position = serializers.SerializerMethodField()
    token = serializers.CharField()
    alternatives = serializers.SerializerMethodField()

    def get_position(self, result: Any) -> int | None:
        return position(result.entry)

    @extend_schema_field(serializers.ListField(child=serializers.DateTimeField()))
    def get_alternatives(self, result: Any) -> list[str]:
        return _local(result.entry, result.entry.alternatives)


class OfferSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class EntryBookingSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    manage_url = serializers.CharField()


class PublicEntrySerializer(serializers.Serializer):
    """The entry a waitlist link opens, times in the person's timezone."""

    id = serializers.UUIDField()
    status = serializers.CharField()
    position = serializers.SerializerMethodField()
    requested_start = serializers.SerializerMethodField()
    timezone = serializers.CharField()
    alternatives = serializers.SerializerMethodField()
    selected_slots = serializers.SerializerMethodField()
    offer = serializers.SerializerMethodField()
    booking = serializers.SerializerMethodField()

    def get_position(self, entry: WaitlistEntry) -> int | None:
        return position(entry)

    @extend_schema_field(serializers.DateTimeField())
    def get_requested_start(self, entry: WaitlistEntry) -> str:
        return _local(entry, [entry.requested_slot])[0]

    @extend_schema_field(serializers.ListField(child=serializers.DateTimeField()))
    def get_alternatives(self, entry: WaitlistEntry) -> list[str]:
        return _local(entry, entry.alternatives)

    @extend_schema_field(serializers.ListField(child=serializers.DateTimeField()))
    def get_selected_slots(self, entry: WaitlistEntry) -> list[str]:
        return _local(entry, entry.selected_slots)

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, entry: WaitlistEntry) -> dict[str, str] | None:
        hold = entry.hold
        if entry.status != WaitlistEntry.Status.NOTIFIED or hold is None:
            return None
        start, end, expires = _local(entry, [hold.start, hold.end, entry.response_deadline])
        return {"start": start, "end": end, "expires_at": expires}

    @extend_schema_field(EntryBookingSerializer(allow_null=True))
    def get_booking(self, entry: WaitlistEntry) -> dict[str, str] | None:
        if entry.booking_id is None:
            return None
        return {"id": str(entry.booking_id), "manage_url": entry.booking_manage_url}


class EntrySerializer(serializers.ModelSerializer):
    """An entry for staff and sellers (read only: changes go through the actions)."""

    page = serializers.UUIDField(source="slot.meeting_type.page_id", read_only=True)
    wanted = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True)  # "" when the person gave none

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "slot",
            "page",
            "first_name",
            "last_name",
            "phone",
            "email",
            "requested_slot",
            "timezone",
            "alternatives",
            "selected_slots",
            "wanted",
            "party_size",
            "status",
            "priority",
            "source",
            "notified_at",
            "response_deadline",
            "confirmed_at",
            "booking",
            "hold",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DateTimeField()))
    def get_wanted(self, entry: WaitlistEntry) -> list[str]:
        return [t.isoformat() for t in wanted_starts(entry)]


class SlotSerializer(serializers.ModelSerializer):
    page = serializers.UUIDField(source="meeting_type.page_id", read_only=True, allow_null=True)
    last_result = serializers.CharField(read_only=True, help_text='"busy", "free", "error" or ""')
    waiting = serializers.IntegerField(read_only=True, help_text="Entries still waiting")

    class Meta:
        model = WaitlistSlot
        fields = [
            "id",
            "page",
            "meeting_type",
            "seller",
            "config",
            "start",
            "end",
            "status",
            "last_check_at",
            "next_check_at",
            "check_interval_minutes",
            "last_result",
            "last_error",
            "waiting",
            "business_name",
            "created_at",
        ]
        read_only_fields = fields


class ListFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WaitlistEntry.Status.choices, required=False)
    page = serializers.UUIDField(required=False)


class SlotFilterSerializer(ListFilterSerializer):
    status = serializers.ChoiceField(choices=WaitlistSlot.Status.choices, required=False)


class TriggerSerializer(serializers.Serializer):
    requested_slot = OffsetDateTimeField()
    business_id = serializers.UUIDField()
    phone = TextField(max_length=40)
    firstName = TextField(max_length=100)  # the design's payload
    lastName = TextField(required=False, allow_blank=True, max_length=100)
    email = EmailField(required=False, allow_blank=True)
    nbPersons = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    alternativeSlots = serializers.ListField(child=OffsetDateTimeField(), required=False)
    # A declared field named "source" (the design's payload): DRF's metaclass takes it out
    # of the class attributes, which mypy cannot see.
    source = TextField(required=False, allow_blank=True, max_length=50)  # type: ignore[assignment]


class TriggeredSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    entry_id = serializers.UUIDField()
    slot_id = serializers.UUIDField()
    position = serializers.IntegerField()


class CallSerializer(serializers.Serializer):
    phoneNumber = TextField(max_length=40)
    status = TextField(required=False, allow_blank=True, max_length=50)
    event_type = TextField(required=False, allow_blank=True, max_length=50)
    wants_waitlist = serializers.BooleanField(required=False)
    waitlist_slot_requested = OffsetDateTimeField(required=False)
    metadata = JSONObjectField(required=False)


class CallRecordedSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    call_id = serializers.UUIDField()
    entry_id = serializers.UUIDField(allow_null=True)
    waitlist_error = serializers.CharField(allow_null=True)
