"""Outbound webhooks: who wants which events (subscriptions), what happened (events) and
each attempt to tell one subscription about one event (deliveries).

A delivery runs as an outbox job (``bookings.outbox.SyncJob``, target ``webhook``, no
booking): the job holds the retry state, the delivery row what the receiver answered.
"""

import uuid

from django.db import models

from sellers.fields import EncryptedTextField


class EventType(models.TextChoices):
    BOOKING_CREATED = "booking.created", "Booking created"
    BOOKING_RESCHEDULED = "booking.rescheduled", "Booking rescheduled"
    BOOKING_CANCELLED = "booking.cancelled", "Booking cancelled"
    BOOKING_COMPLETED = "booking.completed", "Booking completed"
    BOOKING_NO_SHOW = "booking.no_show", "Booking no-show"
    WAITLIST_JOINED = "waitlist.joined", "Waitlist joined"
    WAITLIST_OFFERED = "waitlist.offered", "Waitlist offered"
    WAITLIST_CONFIRMED = "waitlist.confirmed", "Waitlist confirmed"


#: The "send test event" button's type: no subscription subscribes to it, it goes to one.
TEST_EVENT = "webhook.test"


class WebhookSubscription(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=2000, help_text="http(s) URL that receives the POSTs")
    events = models.JSONField(default=list, help_text="Event types to send")
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    # Signs every delivery; shown once when made, never again (encrypted at rest).
    secret = EncryptedTextField(editable=False)
    # Set by the first failed attempt after a success: a day of it turns the subscription off.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookEvent(models.Model):
    """One thing that happened, sent to every subscription of its type. ``body`` is the
    exact JSON sent (and signed): the same bytes on every retry and redelivery."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    body = models.TextField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["type", "created_at"], name="webhook_event_type_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    """One event for one subscription. A redelivery is a new row (same event, same id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    # The outbox job running it (retries, backoff, circuit); kept when the job is purged.
    job = models.OneToOneField(
        "bookings.SyncJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_delivery",
    )
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log_idx")
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event.type} → {self.subscription}"

    @property
    def status(self) -> str:
        """delivered, or the job's pending / running / failed."""
        if self.delivered_at:
            return "delivered"
        return self.job.status if self.job else "failed"
