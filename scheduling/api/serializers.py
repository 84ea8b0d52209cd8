"""Configuration API serializers: weekly hours, overrides, pages, meeting types."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.models import AvailabilityOverride, MeetingType, SchedulingPage
from scheduling.services import rule_problems
from scheduling.validators import QUESTION_KEY, QUESTION_TYPES, validate_questions
from sellers.api.fields import ChoiceField, ModelSerializer, MultilineTextField, TextField

HH_MM = ["%H:%M", "%H:%M:%S"]


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}
)
class WallClockField(serializers.TimeField):
    """A wall-clock time: "HH:MM" out, "HH:MM" or "HH:MM:SS" in (not RFC 3339's "time",
    which needs seconds and an offset)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=HH_MM, **kwargs)


class RuleSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = WallClockField()
    end = WallClockField()


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


class OverrideFilterSerializer(serializers.Serializer):
    seller = serializers.RegexField(
        r"^(none|[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12})\Z",
        required=False,
        help_text="A seller's id, or `none` for the overrides that apply to everyone",
    )
    date_after = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_before = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])


class MeetingTypeFilterSerializer(serializers.Serializer):
    page = serializers.UUIDField(required=False, help_text="A booking page's id")


class OverrideSerializer(ModelSerializer):
    start = WallClockField(required=False, allow_null=True)
    end = WallClockField(required=False, allow_null=True)

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


class PageSerializer(ModelSerializer):
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
            "default_language",
            "embed_origins",
        ]
        extra_kwargs = {
            "seller": {"required": False, "allow_null": True},
            "team": {"required": False, "allow_null": True},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not self.partial:  # POST and PUT give the whole page: an absent owner is none
            attrs.setdefault("seller", None)
            attrs.setdefault("team", None)
        seller = attrs["seller"] if "seller" in attrs else getattr(self.instance, "seller", None)
        team = attrs["team"] if "team" in attrs else getattr(self.instance, "team", None)
        if (seller is None) == (team is None):
            message = "A page belongs to exactly one seller or one team."
            raise serializers.ValidationError({"seller": [message], "team": [message]})
        return attrs


class PageSerializerSchema(OpenApiSerializerExtension):
    """The schema states PageSerializer's "exactly one of seller and team" (POST, PUT and
    every answer) as a oneOf, so a client reading it sends what the API accepts."""

    target_class = PageSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if auto_schema.method == "PATCH" and direction == "request":
            return schema  # the other owner comes from the stored page

        def owned_by(owner: str, other: str) -> dict[str, Any]:
            # ``owner`` is an id; ``other`` is absent or null (not: present as a string).
            given = {"type": "string", "format": "uuid"}
            return {
                "required": [owner],
                "properties": {owner: given},
                "not": {"required": [other], "properties": {other: {"type": "string"}}},
            }

        schema["oneOf"] = [owned_by("seller", "team"), owned_by("team", "seller")]
        return schema


class QuestionListSerializer(serializers.ListSerializer):
    """The questions' errors under ``questions`` ("Question 2: key: …"), as the model's
    validator words them."""

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail: Any = exc.detail  # {index: errors} per question, or a message list
            if not isinstance(detail, dict):
                raise
            messages = [
                f"Question {index + 1}: {field}: {message}"
                for index, errors in detail.items()
                if isinstance(index, int) and isinstance(errors, dict)
                for field, field_messages in errors.items()
                for message in field_messages
            ]
            raise serializers.ValidationError(messages or detail) from exc


class QuestionInputSerializer(serializers.Serializer):
    """One question of a meeting type's form."""

    class Meta:
        list_serializer_class = QuestionListSerializer

    key = serializers.RegexField(QUESTION_KEY.pattern, help_text="lower_snake_case")
    label = TextField(max_length=200)  # type: ignore[assignment]
    type = ChoiceField(choices=QUESTION_TYPES)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]
    options = serializers.ListField(child=TextField(max_length=200), required=False)
    help = TextField(required=False, allow_blank=True, max_length=500)


class MeetingTypeSerializer(ModelSerializer):
    questions = QuestionInputSerializer(many=True, required=False)
    description = MultilineTextField(required=False, allow_blank=True)
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

    def validate_questions(self, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        questions = [dict(question) for question in questions]
        validate_questions(questions)  # unique keys, options for choice types
        return questions
