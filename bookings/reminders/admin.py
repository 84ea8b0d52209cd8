"""Back office for reminders: per booking (inlines on the booking's page), the reminder
list with "send now" for failed ones, SMS opt-outs, and each meeting type's reminder and
follow-up templates with a preview."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.models import (
    Booking,
    ManageLink,
    Reminder,
    ReminderTemplates,
    SmsMessage,
    SmsOptOut,
)
from bookings.reminders import content, sweep
from sellers.models import Seller


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReminderInline(ReadOnlyInline):
    model = Reminder
    fields = (
        "kind",
        "channel",
        "recipient",
        "offset_minutes",
        "due_at",
        "status",
        "reason",
        "sent_at",
        "delivery_status",
    )
    readonly_fields = fields
    verbose_name_plural = _("reminders and follow-ups")


class SmsMessageInline(ReadOnlyInline):
    model = SmsMessage
    fields = ("created_at", "direction", "number", "body", "action")
    readonly_fields = fields
    verbose_name_plural = _("SMS thread")


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = (
        "due_at",
        "booking",
        "kind",
        "channel",
        "recipient",
        "status",
        "reason",
        "delivery_status",
    )
    list_filter = ("status", "kind", "channel", "recipient", "delivery_status")
    search_fields = ("booking__email", "booking__name", "=booking__id", "=provider_message_id")
    autocomplete_fields = ("booking",)
    date_hierarchy = "due_at"
    list_select_related = ("booking__seller",)
    actions = ["send_now"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send now (failed reminders)"))
    def send_now(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        outcomes = [sweep.send_now(reminder_id=pk) for pk in queryset.values_list("pk", flat=True)]
        done = [o for o in outcomes if o is not None]
        self.message_user(
            request,
            _("%(sent)d sent, %(tried)d tried, %(ignored)d not failed (left alone).")
            % {
                "sent": done.count(Reminder.Status.SENT),
                "tried": len(done),
                "ignored": len(outcomes) - len(done),
            },
            messages.INFO,
        )


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ("number", "keyword", "created_at")
    search_fields = ("number",)
    readonly_fields = ("number", "keyword", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # only the number itself opts out (STOP) or back in (START)


@admin.register(ManageLink)
class ManageLinkAdmin(admin.ModelAdmin):
    """Which bookings have a stored manage link; the link itself (it carries the
    prospect's manage token) is never shown."""

    list_display = ("booking",)
    fields = ("booking",)
    readonly_fields = ("booking",)
    list_select_related = ("booking__seller",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "number", "direction", "body", "action", "booking")
    list_filter = ("direction", "action")
    search_fields = ("number", "body", "=booking__id")
    readonly_fields = [f.name for f in SmsMessage._meta.fields]
    list_select_related = ("booking",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def sample_reminder(meeting_type: ReminderTemplates, kind: str, channel: str) -> Reminder:
    """An unsaved booking of ``meeting_type`` tomorrow at 10:00 in its page's zone, with a
    made-up prospect: what the preview renders."""
    page = meeting_type.page
    start = (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    seller = page.seller or Seller(
        name="Alex Seller", email="alex@example.com", timezone=page.timezone
    )
    booking = Booking(
        meeting_type=meeting_type,
        seller=seller,
        start=start,
        end=start + dt.timedelta(minutes=meeting_type.duration),
        timezone=page.timezone,
        name="Sam Prospect",
        email="sam@example.com",
        location_type=meeting_type.location_type,
        location=meeting_type.location_details,
    )
    return Reminder(
        booking=booking, kind=kind, channel=channel, recipient=Reminder.Recipient.PROSPECT
    )


@admin.register(ReminderTemplates)
class ReminderTemplatesAdmin(admin.ModelAdmin):
    list_display = ("name", "page", "reminder_offsets", "follow_up_delay")
    search_fields = ("name", "page__name")
    list_select_related = ("page",)
    fields = (
        "name",
        "reminder_email_subject",
        "reminder_email_body",
        "reminder_sms_body",
        "follow_up_subject",
        "follow_up_body",
        "preview",
    )
    readonly_fields = ("name", "preview")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("Preview (a sample booking tomorrow; save to refresh)"))
    def preview(self, obj: ReminderTemplates) -> str:
        email = content.email(sample_reminder(obj, Reminder.Kind.REMINDER, "email"))
        follow_up = content.email(sample_reminder(obj, Reminder.Kind.FOLLOW_UP, "email"))
        text = content.sms(sample_reminder(obj, Reminder.Kind.REMINDER, "sms"))
        length = content.gsm7_length(text)
        return format_html(
            "<h4>{}</h4><pre>{}</pre><pre>{}</pre><h4>{}</h4><pre>{}</pre><pre>{}</pre>"
            "<h4>{}</h4><pre>{}</pre><p>{}</p>",
            _("Reminder email"),
            email.subject,
            email.text,
            _("Follow-up email"),
            follow_up.subject,
            follow_up.text,
            _("Reminder SMS"),
            text,
            _("%(n)s GSM-7 characters") % {"n": length} if length is not None else _("needs UCS-2"),
        )
