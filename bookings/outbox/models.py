import uuid

from django.db import models
from django.db.models import Q


class SyncJob(models.Model):
    """Outbox row: side work for a booking, written in the booking's transaction.

    At most one pending job per (booking, target, action): enqueueing twice is harmless.
    A job of a target registered without booking flags (``handlers.register_handler``,
    e.g. webhooks) may have no booking: its owner keeps its own row pointing at the job.
    """

    class Target(models.TextChoices):
        CALENDAR = "calendar", "Calendar"
        VIDEO = "video", "Video"
        PIPEDRIVE = "pipedrive", "Pipedrive"
        HUBSPOT = "hubspot", "HubSpot"
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        WEBHOOK = "webhook", "Webhook"

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        CANCEL = "cancel", "Cancel"
        DELIVER = "deliver", "Deliver"
        CONFIRM = "confirm", "Ask to confirm"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (needs manual sync)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.CASCADE,
        related_name="sync_jobs",
        null=True,
        blank=True,
    )
    target = models.CharField(max_length=20, choices=Target.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    not_before = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Moved from the integrations app without touching its rows (migration
        # bookings.0003 is state-only): the table keeps its first name.
        db_table = "integrations_syncjob"
        ordering = ["not_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "target", "action"],
                condition=Q(status="pending"),
                name="sync_job_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(booking__isnull=False) | Q(target="webhook"),
                name="sync_job_booking_unless_webhook",
            ),
        ]
        indexes = [models.Index(fields=["status", "not_before"], name="sync_job_due_idx")]

    @property
    def booking_pk(self) -> uuid.UUID:
        """The booking of a booking job (every target but those registered without one)."""
        if self.booking_id is None:
            raise ValueError(f"outbox job {self.pk} ({self.target}) has no booking")
        return self.booking_id

    def __str__(self) -> str:
        return f"{self.target}:{self.action} for {self.booking_id or '-'} ({self.status})"
