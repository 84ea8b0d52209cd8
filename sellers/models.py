import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from sellers.fields import EncryptedTextField, TimezoneField


class Seller(models.Model):
    """A person prospects can book; has working hours in their own timezone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seller",
        help_text="Login that lets this seller manage their own rows in the API.",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    slug = models.SlugField(unique=True)
    country = CountryField(blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="e.g. LATAM, EMEA")
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes")
    timezone = TimezoneField()
    is_active = models.BooleanField(default=True)
    weight = models.PositiveIntegerField(default=1, help_text="Share for weighted routing")
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    provider_problem = models.CharField(
        max_length=500,
        blank=True,
        editable=False,
        help_text="What a provider refuses about this seller's account (e.g. a missing Teams "
        "access policy); cleared when that provider works for them again.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="seller_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    members = models.ManyToManyField(Seller, through="TeamMembership", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "seller"], name="team_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.seller} in {self.team}"


class CalendarConnection(models.Model):
    """A seller's link to an external calendar; tokens are encrypted at rest."""

    class Provider(models.TextChoices):
        GOOGLE = "google", "Google Calendar"
        OUTLOOK = "outlook", "Outlook / Microsoft 365"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        BROKEN = "broken", "Broken (reconnect needed)"
        DISCONNECTED = "disconnected", "Disconnected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="calendars")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    account_email = models.EmailField()
    busy_calendar_ids = models.JSONField(
        default=list, blank=True, help_text="Calendars whose events block time"
    )
    write_calendar_id = models.CharField(max_length=255, default="primary")
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    sync_token = models.TextField(blank=True)
    channel_id = models.CharField(max_length=100, blank=True)
    channel_resource_id = models.CharField(max_length=255, blank=True)
    channel_token = EncryptedTextField(blank=True)
    channel_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "provider", "account_email"], name="calendar_connection_unique"
            ),
        ]
        indexes = [models.Index(fields=["channel_id"], name="calendar_channel_idx")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.account_email}"


class BusyInterval(models.Model):
    """External busy time, filled by calendar sync and read by the slot engine."""

    id = models.BigAutoField(primary_key=True)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="busy_intervals")
    connection = models.ForeignKey(
        CalendarConnection,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="busy_intervals",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    source = models.CharField(max_length=255, help_text="Calendar id the time came from")
    external_id = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="busy_interval_positive"),
        ]
        indexes = [models.Index(fields=["seller", "start", "end"], name="busy_seller_range_idx")]

    def __str__(self) -> str:
        return f"{self.seller} busy {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"


class SellerMetric(models.Model):
    """Daily counts per seller and prospect country, for reports and routing models."""

    id = models.BigAutoField(primary_key=True)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="metrics")
    country = CountryField(blank=True)
    date = models.DateField()
    bookings = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    rescheduled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    no_show = models.PositiveIntegerField(default=0)
    #: Deals the CRM reported won for meetings of that day (Pipedrive's webhook fills it).
    deals_won = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "country", "date"], name="seller_metric_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller} {self.date} {self.country}"
