import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from scheduling import hooks
from scheduling.validators import (
    validate_embed_origins,
    validate_page_slug,
    validate_questions,
    validate_reminder_offsets,
)
from sellers.fields import TimezoneField
from sellers.models import Seller, Team


def default_reminder_offsets() -> list[int]:
    """24 hours and 1 hour before the meeting."""
    return [1440, 60]


class SchedulingPage(models.Model):
    """A public booking page, owned by exactly one seller (personal) or one team."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(unique=True, validators=[validate_page_slug])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    timezone = TimezoneField(help_text="Shown to prospects before their browser's zone is known")
    brand_color = models.CharField(
        max_length=7,
        default="#2563eb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour such as #2563eb.")],
    )
    logo_url = models.URLField(blank=True)
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="pages"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="pages"
    )
    # The strategies are routing's (scheduling.hooks.register_strategies): a plain value here.
    routing = models.CharField(
        max_length=20,
        choices=hooks.strategy_choices,
        default=hooks.default_strategy,
    )
    is_active = models.BooleanField(default=True)
    # Public pages: the language when the visitor's browser asks for none we speak.
    default_language = models.CharField(
        max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Sites allowed to frame the page (the embed widget): CSP frame-ancestors. Empty: none.
    embed_origins = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_embed_origins],
        help_text='Sites that may embed this page, as a JSON list: ["https://www.example.com"].',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(seller__isnull=False, team__isnull=True)
                    | Q(seller__isnull=True, team__isnull=False)
                ),
                name="page_exactly_one_owner",
                violation_error_message="A page belongs to exactly one seller or one team.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind(self) -> str:
        return "seller" if self.seller_id else "team"


class LocationType(models.TextChoices):
    GOOGLE_MEET = "google_meet", "Google Meet"
    ZOOM = "zoom", "Zoom"
    TEAMS = "teams", "Microsoft Teams"
    JITSI = "jitsi", "Jitsi"
    WHEREBY = "whereby", "Whereby"
    PHONE = "phone", _("Phone call")
    IN_PERSON = "in_person", _("In person")
    CUSTOM = "custom", _("Custom")


class MeetingType(models.Model):
    """What can be booked on a page: duration, location, questions and booking rules."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page = models.ForeignKey(SchedulingPage, on_delete=models.CASCADE, related_name="meeting_types")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    duration = models.PositiveIntegerField(help_text="Minutes")
    location_type = models.CharField(max_length=20, choices=LocationType.choices)
    location_details = models.CharField(
        max_length=500, blank=True, help_text="Address, phone number or custom link"
    )
    questions = models.JSONField(default=list, blank=True, validators=[validate_questions])
    buffer_before = models.PositiveIntegerField(default=0, help_text="Minutes")
    buffer_after = models.PositiveIntegerField(default=0, help_text="Minutes")
    min_notice = models.PositiveIntegerField(default=240, help_text="Minutes")
    max_days_ahead = models.PositiveIntegerField(default=60, help_text="Days")
    slot_interval = models.PositiveIntegerField(default=30, help_text="Minutes between starts")
    daily_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Per seller")
    weekly_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Per seller")
    max_bookings_per_email = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: MAX_BOOKINGS_PER_EMAIL"
    )
    frequency_window_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: FREQUENCY_WINDOW_DAYS"
    )
    reminder_offsets = models.JSONField(
        default=default_reminder_offsets,
        blank=True,
        validators=[validate_reminder_offsets],
        help_text="Minutes before the meeting (each ≥ 5), e.g. [1440, 60]",
    )
    # Reminders and follow-ups (bookings.reminders): empty templates use the built-in text.
    remind_seller = models.BooleanField(
        default=False, help_text="Also email the seller at each reminder offset"
    )
    reminder_email_subject = models.CharField(max_length=200, blank=True)
    reminder_email_body = models.TextField(blank=True)
    reminder_sms_body = models.TextField(blank=True)
    follow_up_delay = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes after the end; empty: no follow-up"
    )
    follow_up_subject = models.CharField(max_length=200, blank=True)
    follow_up_body = models.TextField(blank=True)
    confirmation_message = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["page", "slug"], name="meeting_type_slug_per_page"),
            models.CheckConstraint(condition=Q(duration__gte=5), name="meeting_type_duration_min"),
            models.CheckConstraint(
                condition=Q(slot_interval__gte=5), name="meeting_type_interval_min"
            ),
            models.CheckConstraint(
                condition=Q(max_days_ahead__gte=1), name="meeting_type_window_min"
            ),
            models.CheckConstraint(
                condition=Q(daily_limit__isnull=True) | Q(daily_limit__gte=1),
                name="meeting_type_daily_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(weekly_limit__isnull=True) | Q(weekly_limit__gte=1),
                name="meeting_type_weekly_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.page} · {self.name}"


class AvailabilityRule(models.Model):
    """Weekly working hours, wall-clock in the seller's timezone."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ]
    )
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["seller", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="availability_weekday_range"),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="availability_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AvailabilityOverride(models.Model):
    """A date that differs: blocked (whole day or hours) or with replacement hours.

    ``seller`` empty means everyone (a company holiday), read in each seller's own zone.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="overrides"
    )
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    available = models.BooleanField(
        default=False, help_text="Off: blocks (the whole day without times). On: replaces hours."
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(start__isnull=True, end__isnull=True, available=False)
                    | Q(start__isnull=False, end__isnull=False, start__lt=F("end"))
                ),
                name="override_times_consistent",
                violation_error_message=(
                    "Give both times with start before end; only a block may omit them."
                ),
            ),
        ]
        indexes = [models.Index(fields=["seller", "date"], name="override_seller_date_idx")]

    def __str__(self) -> str:
        who = self.seller or "Everyone"
        return f"{who} · {self.date} · {'available' if self.available else 'blocked'}"
