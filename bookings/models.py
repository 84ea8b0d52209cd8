import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from routing.models import RoutingDecision
from scheduling.models import LocationType, MeetingType
from sellers.fields import TimezoneField
from sellers.models import Seller


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No show"
    # Kept free for a waitlist offer: blocks the time like a booking until accepted
    # (converted into a confirmed booking) or released (the row is deleted).
    HELD = "held", "Held for the waitlist"
    # BOOKING_EMAIL_CONFIRMATION: booked, but it counts only once the prospect follows the
    # emailed link (then confirmed) before ``confirm_by`` (else the row is deleted).
    PENDING = "pending", "Awaiting email confirmation"


#: Statuses whose rows keep their blocked range free of overlap (the exclusion constraint,
#: migration 0005) and that the slot engine sees as busy.
BLOCKING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.HELD, BookingStatus.PENDING)

#: Statuses that use up a daily or weekly limit and count as a seller's load (a meeting
#: that happened still counts; one awaiting confirmation is about to).
COUNTED_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
    BookingStatus.PENDING,
)

#: Statuses of meetings that were booked: what analytics and metrics count (not holds, not
#: requests still awaiting their email confirmation).
MEETING_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.CANCELLED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)


class DealOutcome(models.TextChoices):
    """What became of the booking's CRM deal (Pipedrive's webhooks tell us)."""

    OPEN = "", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    DELETED = "deleted", "Deleted"


class Booking(models.Model):
    """A meeting a prospect booked with a seller.

    ``blocked_start``/``blocked_end`` are the meeting widened by its buffers: the range the
    database keeps free of overlap per seller (exclusion constraint on PostgreSQL, see
    migration 0002) and the busy time the slot engine sees.
    """

    class Source(models.TextChoices):
        WEB = "web", "Booking page"
        API = "api", "API"
        WAITLIST = "waitlist", "Waitlist"
        ADMIN = "admin", "Back office"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting_type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="bookings")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(
        max_length=20, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    timezone = TimezoneField(help_text="The prospect's timezone")

    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    company = models.CharField(max_length=200, blank=True)
    country = CountryField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)

    location_type = models.CharField(max_length=20, choices=LocationType.choices)
    location = models.CharField(max_length=500, blank=True, help_text="Address, number or link")
    meeting_url = models.URLField(max_length=500, blank=True)
    # A room's host link (Whereby's hostRoomUrl): for the seller's eyes only.
    video_host_url = models.URLField(max_length=1000, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    # The prospect's language when booking: every later email, SMS and reminder uses it.
    language = models.CharField(
        max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    manage_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    manage_token_expires_at = models.DateTimeField()
    confirm_by = models.DateTimeField(
        null=True, blank=True, help_text="A pending booking is released when not confirmed by then."
    )
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    cancellation_reason = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    deal_won_at = models.DateTimeField(
        null=True, blank=True, help_text="When the CRM reported the deal of this meeting won"
    )
    routing_strategy = models.CharField(max_length=20, blank=True)
    routing_decision = models.OneToOneField(
        RoutingDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="booking"
    )
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE")

    calendar_event_id = models.CharField(max_length=255, blank=True)
    video_meeting_id = models.CharField(max_length=255, blank=True)
    pipedrive_person_id = models.CharField(max_length=64, blank=True)
    pipedrive_deal_id = models.CharField(max_length=64, blank=True)
    pipedrive_activity_id = models.CharField(max_length=64, blank=True)
    hubspot_contact_id = models.CharField(max_length=64, blank=True)
    hubspot_meeting_id = models.CharField(max_length=64, blank=True)
    hubspot_note_id = models.CharField(max_length=64, blank=True)
    deal_outcome = models.CharField(
        max_length=10, choices=DealOutcome.choices, default=DealOutcome.OPEN, blank=True
    )

    calendar_synced = models.BooleanField(default=False)
    calendar_needs_manual_sync = models.BooleanField(default=False)
    pipedrive_synced = models.BooleanField(default=False)
    pipedrive_needs_manual_sync = models.BooleanField(default=False)
    hubspot_synced = models.BooleanField(default=False)
    hubspot_needs_manual_sync = models.BooleanField(default=False)
    email_synced = models.BooleanField(default=False)
    email_needs_manual_sync = models.BooleanField(default=False)
    sms_needs_manual_sync = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start"), blocked_end__gte=F("end")),
                name="booking_blocked_range_covers_meeting",
            ),
        ]
        indexes = [
            models.Index(
                fields=["seller", "status", "blocked_start"], name="booking_seller_time_idx"
            ),
            models.Index(fields=["email", "created_at"], name="booking_email_created_idx"),
            models.Index(fields=["status", "start"], name="booking_status_start_idx"),
            # Pipedrive's webhooks name the deal only.
            models.Index(
                fields=["pipedrive_deal_id"],
                name="booking_pipedrive_deal_idx",
                condition=~Q(pipedrive_deal_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} with {self.seller} at {self.start:%Y-%m-%d %H:%M} UTC"

    def confirmation_lapsed(self, now: dt.datetime) -> bool:
        """A pending booking whose time to confirm has passed (its time is released)."""
        return (
            self.status == BookingStatus.PENDING
            and self.confirm_by is not None
            and self.confirm_by <= now
        )

    @property
    def needs_manual_sync(self) -> bool:
        return any(
            (
                self.calendar_needs_manual_sync,
                self.pipedrive_needs_manual_sync,
                self.hubspot_needs_manual_sync,
                self.email_needs_manual_sync,
                self.sms_needs_manual_sync,
            )
        )


class BookingEvent(models.Model):
    """Audit trail: one row per thing that happened to a booking."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        CONFIRMED = "confirmed", "Confirmed by email"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No show"
        DEAL_OUTCOME = "deal_outcome", "CRM deal outcome"
        SYNCED = "synced", "Synced"
        SYNC_FAILED = "sync_failed", "Sync failed"
        MANUAL_SYNC_NEEDED = "manual_sync_needed", "Needs manual sync"
        RECHECK_SKIPPED = "recheck_skipped", "Calendar re-check skipped"
        REMINDER_SENT = "reminder_sent", "Reminder sent"
        NOTE = "note", "Note"

    id = models.BigAutoField(primary_key=True)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.CharField(max_length=100, blank=True, help_text="prospect, staff:<user>, system")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class SlotLock(models.Model):
    """Fallback for the Redis ``seller:start`` lock when Redis is unreachable."""

    key = models.CharField(max_length=200, primary_key=True)
    owner = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


# The outbox's and the reminders' models live with them (bookings/outbox/, bookings/reminders/);
# importing them here registers them with this app.
from bookings.outbox.models import SyncJob  # noqa: E402, F401
from bookings.reminders.models import (  # noqa: E402, F401
    ManageLink,
    Reminder,
    ReminderTemplates,
    SmsMessage,
    SmsOptOut,
)
