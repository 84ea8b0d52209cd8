"""Configuration API serializers: weekly hours, overrides, pages, meeting types."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from scheduling.models import AvailabilityOverride, MeetingType, SchedulingPage
from scheduling.services import rule_problems

HH_MM = ["%H:%M", "%H:%M:%S"]


class RuleSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = serializers.TimeField(format="%H:%M", input_formats=HH_MM)
    end = serializers.TimeField(format="%H:%M", input_formats=HH_MM)


class AvailabilitySerializer(serializers.Serializer):
    """The whole weekly rule set of a seller, wall-clock in the seller's timezone."""

    rules = RuleSerializer(many=True, allow_empty=True)

    def validate_rules(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        problems = rule_problems([(r["weekday"], r["start"], r["end"]) for r in rules])
        if problems:
            # Nested as {"<index>": {"<field>": [...]}} so the envelope names rules.N.field.
            nested: dict[str, dict[str, list[str]]] = {}
            for key, messages in problems.items():
                _, index, field = key.split(".")
                nested.setdefault(index, {})[field] = messages
            raise serializers.ValidationError(nested)
        return rules


class OverrideSerializer(serializers.ModelSerializer):
    start = serializers.TimeField(
        format="%H:%M", input_formats=HH_MM, required=False, allow_null=True
    )
    end = serializers.TimeField(
        format="%H:%M", input_formats=HH_MM, required=False, allow_null=True
    )

    class Meta:
        model = AvailabilityOverride
        fields = ["id", "seller", "date", "start", "end", "available", "reason"]
        extra_kwargs = {"seller": {"required": False, "allow_null": True}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        def value(name: str) -> Any:
            if name in attrs:
                return attrs[name]
            return getattr(self.instance, name) if self.instance else None

        start, end, available = value("start"), value("end"), bool(value("available"))
        if (start is None) != (end is None):
            raise serializers.ValidationError({"end": ["Give both start and end, or neither."]})
        if start is None and available:
            raise serializers.ValidationError(
                {"start": ["Replacement hours (available: true) need start and end."]}
            )
        if start is not None and not start < end:
            raise serializers.ValidationError({"end": ["end must be after start."]})
        return attrs


class PageSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchedulingPage
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "timezone",
            "seller",
            "team",
            "routing",
            "is_active",
        ]
        extra_kwargs = {
            "seller": {"required": False, "allow_null": True},
            "team": {"required": False, "allow_null": True},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        seller = attrs["seller"] if "seller" in attrs else getattr(self.instance, "seller", None)
        team = attrs["team"] if "team" in attrs else getattr(self.instance, "team", None)
        if (seller is None) == (team is None):
            message = "A page belongs to exactly one seller or one team."
            raise serializers.ValidationError({"seller": [message], "team": [message]})
        return attrs


class MeetingTypeSerializer(serializers.ModelSerializer):
    duration = serializers.IntegerField(min_value=5, max_value=24 * 60)
    slot_interval = serializers.IntegerField(min_value=5, max_value=24 * 60, default=30)
    buffer_before = serializers.IntegerField(min_value=0, max_value=24 * 60, default=0)
    buffer_after = serializers.IntegerField(min_value=0, max_value=24 * 60, default=0)
    min_notice = serializers.IntegerField(min_value=0, max_value=365 * 24 * 60, default=240)
    max_days_ahead = serializers.IntegerField(min_value=1, max_value=730, default=60)
    daily_limit = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, allow_null=True
    )
    weekly_limit = serializers.IntegerField(
        min_value=1, max_value=5000, required=False, allow_null=True
    )
    follow_up_delay = serializers.IntegerField(
        min_value=0, max_value=30 * 24 * 60, required=False, allow_null=True
    )

    class Meta:
        model = MeetingType
        fields = [
            "id",
            "page",
            "slug",
            "name",
            "description",
            "duration",
            "location_type",
            "location_details",
            "questions",
            "buffer_before",
            "buffer_after",
            "min_notice",
            "max_days_ahead",
            "slot_interval",
            "daily_limit",
            "weekly_limit",
            "is_active",
            "reminder_offsets",
            "follow_up_delay",
        ]
