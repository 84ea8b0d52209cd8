"""Webhook subscriptions over the API (docs/api.md, ``webhooks/``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from webhooks import services
from webhooks.models import EventType, WebhookDelivery, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """``secret`` is write-only: generated when not given, shown in the create answer only
    (the view adds it there)."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        min_length=16,  # what the service accepts, so the schema says it too
        help_text="Signs deliveries; generated when empty. Shown once, in the create answer.",
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "events",
            "is_active",
            "secret",
            "description",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
        ]
        read_only_fields = ["failing_since", "disabled_at", "disabled_reason", "created_at"]

    def create(self, validated_data: dict[str, Any]) -> WebhookSubscription:
        return services.create_subscription(**validated_data)

    def update(
        self, instance: WebhookSubscription, validated_data: dict[str, Any]
    ) -> WebhookSubscription:
        return services.update_subscription(instance, **validated_data)


class CreatedWebhookSubscriptionSerializer(WebhookSubscriptionSerializer):
    """Schema of the create answer: the only one that shows the secret."""

    secret = serializers.CharField(read_only=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One line of a subscription's delivery log."""

    event_id = serializers.UUIDField(source="event.id")
    event_type = serializers.CharField(source="event.type")
    status = serializers.CharField()
    next_attempt_at = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "last_attempt_at",
            "next_attempt_at",
            "response_status",
            "duration_ms",
            "last_error",
            "delivered_at",
            "created_at",
        ]

    def get_next_attempt_at(self, delivery: WebhookDelivery) -> str | None:
        job = delivery.job
        if job is None or delivery.delivered_at or job.status != "pending":
            return None
        return job.not_before.isoformat()
