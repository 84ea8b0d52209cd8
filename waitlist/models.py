import datetime as dt
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from scheduling.models import MeetingType, SchedulingPage
from sellers.fields import EncryptedTextField, TimezoneField
from sellers.models import CalendarConnection, Seller


class WaitlistCalendarConfig(models.Model):
    """A business's waitlist settings: which calendar is watched for freed time.

    Its id is the ``business_id`` of the voice-agent hand-off.
    """

    class Provider(models.TextChoices):
        GOOGLE_CALENDAR = "google_calendar", "Google Calendar"
        OUTLOOK = "outlook", "Outlook"
        INTERNAL = "internal", "This system's bookings"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business_name = models.CharField(max_length=200)
    page = models.ForeignKey(
        SchedulingPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.INTERNAL)
    connection = models.ForeignKey(
        CalendarConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calendar_id = models.CharField(max_length=255, blank=True)
    calendar_name = models.CharField(max_length=255, blank=True)
    is_enabled = models.BooleanField(default=True)
    check_interval_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: adaptive (60 / 30 / 10 minutes)"
    )
    response_minutes = models.PositiveIntegerField(
        default=30, help_text="How long a notified person has to accept"
    )
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.business_name


class WaitlistSlot(models.Model):
    """A time somebody is waiting for, watched until it frees up or passes."""

    class CheckResult(models.TextChoices):
        BUSY = "busy", _("Still taken")
        FREE = "free", _("Free")
        ERROR = "error", _("Calendar error")

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        MONITORING = "monitoring", "Monitoring"
        AVAILABLE = "available", "Available"
        FILLED = "filled", "Filled"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config = models.ForeignKey(
        WaitlistCalendarConfig,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="slots",
    )
    meeting_type = models.ForeignKey(
        MeetingType, null=True, blank=True, on_delete=models.CASCADE, related_name="waitlist_slots"
    )
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.SET_NULL, related_name="waitlist_slots"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    calendar_event_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    last_check_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    check_interval_minutes = models.PositiveIntegerField(default=60)
    last_result = models.CharField(
        max_length=10,
        choices=CheckResult.choices,
        blank=True,
        help_text=_("What the last check saw"),
    )
    last_error = models.TextField(blank=True)
    business_name = models.CharField(max_length=200, blank=True)
    service_type = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="waitlist_slot_positive"),
            # One row per watched time of a meeting type: joins find it, never duplicate it.
            models.UniqueConstraint(
                fields=["meeting_type", "start"],
                condition=Q(meeting_type__isnull=False),
                name="waitlist_slot_once_per_type_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_check_at"], name="waitlist_slot_due_idx")]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} UTC ({self.get_status_display()})"


class WaitlistEntry(models.Model):
    """A person waiting for a slot, in priority order (lower first)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        NOTIFIED = "notified", "Notified"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        VOICE_AGENT = "voice_agent", "Voice agent"
        WEB = "web", "Web"
        MANUAL = "manual", "Manual"

    #: Statuses of an entry still in the queue (one per phone and requested start).
    LIVE = (Status.PENDING, Status.NOTIFIED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slot = models.ForeignKey(WaitlistSlot, on_delete=models.CASCADE, related_name="entries")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, help_text="E.164")
    email = models.EmailField(blank=True)
    requested_slot = models.DateTimeField()
    timezone = TimezoneField(default="UTC", help_text="The prospect's timezone")
    alternatives = models.JSONField(default=list, blank=True, help_text="Other acceptable starts")
    selected_slots = models.JSONField(
        default=list, blank=True, help_text="The starts the person picked; empty: all of them"
    )
    language = models.CharField(max_length=8, blank=True, help_text="Language of the texts")
    party_size = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    priority = models.IntegerField(default=0)
    sms_message_sid = models.CharField(max_length=64, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    response_deadline = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="waitlist_entry"
    )
    # The booking's manage link (its token is stored nowhere else in clear): the entry's
    # page links to it.
    booking_manage_url = EncryptedTextField(blank=True)
    # The held slot of the open offer (a ``held`` booking row); null when no offer is open.
    hold = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="waitlist_hold"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "created_at"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(condition=Q(party_size__gte=1), name="waitlist_party_size_min"),
            models.UniqueConstraint(
                fields=["slot", "phone"],
                condition=Q(status__in=["pending", "notified"]),
                name="waitlist_entry_live_once_per_phone",
            ),
        ]
        indexes = [
            models.Index(fields=["slot", "status", "priority"], name="waitlist_entry_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class WaitlistToken(models.Model):
    """A link sent by SMS (``wl_`` + 32 random bytes); only the hash is stored. A
    registration link opens the entry until the wanted time passes; an offer link is used
    once (accept or decline)."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", "Registration"
        OFFER = "offer", "Offer"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} token for {self.entry}"


class WaitlistRule(models.Model):
    """A page's rule for the alternatives offered with a requested time. Without a row, the
    design's default: every 30 minutes from 18:00 to 22:00 the same day, page's zone."""

    page = models.OneToOneField(
        SchedulingPage, on_delete=models.CASCADE, related_name="waitlist_rule"
    )
    alternatives_enabled = models.BooleanField(default=True)
    window_start = models.TimeField(default=dt.time(18, 0))
    window_end = models.TimeField(default=dt.time(22, 0), help_text="Included")
    step_minutes = models.PositiveIntegerField(default=30)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start")), name="waitlist_rule_window"
            ),
            models.CheckConstraint(condition=Q(step_minutes__gte=5), name="waitlist_rule_step"),
        ]

    def __str__(self) -> str:
        return f"Alternatives of {self.page}"


class WaitlistApiKey(models.Model):
    """The key a business's voice agent (n8n) sends as ``X-Api-Key``; only its hash is
    stored. One business may have several (rotation)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config = models.ForeignKey(
        WaitlistCalendarConfig, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name or f"Key of {self.config}"


class VoiceCall(models.Model):
    """A call the voice agent reported (the design's call-log webhook): kept for the
    record, and joined to the waitlist when the caller asked for it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config = models.ForeignKey(
        WaitlistCalendarConfig, on_delete=models.CASCADE, related_name="calls"
    )
    phone = models.CharField(max_length=20, help_text="E.164")
    status = models.CharField(max_length=50, blank=True)
    event_type = models.CharField(max_length=50, blank=True)
    wants_waitlist = models.BooleanField(default=False)
    waitlist_slot_requested = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    entry = models.ForeignKey(
        WaitlistEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Call from {self.phone} at {self.created_at:%Y-%m-%d %H:%M}"
