"""Reminder rows, the SMS thread, opt-outs and the stored manage link.

Imported by ``bookings.models`` so the models belong to the bookings app.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scheduling.models import MeetingType
from sellers.fields import EncryptedTextField


class Reminder(models.Model):
    """One message due at ``due_at`` about a booking: a reminder before the meeting, the
    follow-up after it, or the seller's completed / no-show prompt.

    Unique per booking, kind, channel, recipient, offset and booking ``sequence`` (a
    reschedule bumps it), so planning twice plans once and a sweep that runs twice sends
    once. ``status`` moves planned → sending → sent / failed, or to skipped / withdrawn.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        FOLLOW_UP = "follow_up", _("Follow-up")
        OUTCOME_PROMPT = "outcome_prompt", _("Outcome prompt to the seller")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Recipient(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        SELLER = "seller", _("Seller")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    id = models.BigAutoField(primary_key=True)
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REMINDER)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(
        max_length=10, choices=Recipient.choices, default=Recipient.PROSPECT
    )
    offset_minutes = models.PositiveIntegerField(
        help_text="Reminders: minutes before the start; follow-ups: minutes after the end"
    )
    sequence = models.PositiveIntegerField(default=0, help_text="The booking's sequence")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    reason = models.CharField(max_length=300, blank=True, help_text="Why skipped or failed")
    attempts = models.PositiveSmallIntegerField(default=0)
    # The sweep that claimed the row and until when (a killed worker's claim is taken back).
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    delivery_status = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "channel", "recipient", "offset_minutes", "sequence"],
                name="reminder_once_per_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], name="reminder_planned_due_idx", condition=Q(status="planned")
            ),
            models.Index(
                fields=["claimed_until"],
                name="reminder_sending_idx",
                condition=Q(status="sending"),
            ),
            models.Index(
                fields=["provider_message_id"],
                name="reminder_message_idx",
                condition=~Q(provider_message_id=""),
            ),
        ]
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} to {self.recipient} for {self.booking_id}"


class ManageLink(models.Model):
    """The prospect's manage link, kept for the reminders that repeat it.

    The booking stores only its manage token's hash; this row holds the link encrypted
    (``FIELD_ENCRYPTION_KEYS``) and the hash of a short code for SMS (``/schedule/s/<code>/``),
    the code itself being an HMAC of the booking id, recomputed when a text is written.
    """

    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.CASCADE, primary_key=True, related_name="manage_link"
    )
    url = EncryptedTextField()
    code_hash = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"manage link of {self.booking_id}"


class SmsMessage(models.Model):
    """One text in a booking's SMS thread: a prospect's reply or our answer to it."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the prospect")
        OUTBOUND = "out", _("To the prospect")

    id = models.BigAutoField(primary_key=True)
    booking = models.ForeignKey(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sms_messages",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    number = models.CharField(max_length=20, help_text="The prospect's number, E.164")
    body = models.TextField()
    sid = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=20, blank=True, help_text="What the reply did")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sid"], condition=~Q(sid=""), name="sms_message_sid_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.number}: {self.body[:40]}"


class SmsOptOut(models.Model):
    """A number that texted STOP (or another opt-out word): no SMS of any kind goes to it
    until it texts START."""

    number = models.CharField(max_length=20, primary_key=True, help_text="E.164")
    keyword = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SMS opt-out")

    def __str__(self) -> str:
        return self.number


class ReminderTemplates(MeetingType):
    """A meeting type's reminder and follow-up texts, edited (with a preview) in bookings'
    admin, which can render them; the fields live on ``MeetingType``."""

    class Meta:
        proxy = True
        verbose_name = _("reminder templates")
        verbose_name_plural = _("reminder templates")
