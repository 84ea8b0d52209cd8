"""The back office's booking forms: add a booking, and the inputs of the staff actions
(cancel with a reason, reschedule to a free slot, confirm). They only collect and clean
input; `bookings.admin_views` hands it to the booking services."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget
from django.utils import timezone
from django_countries import countries

from bookings.models import Booking
from scheduling.models import MeetingType, SchedulingPage
from scheduling.selectors import slot_days
from sellers.fields import validate_timezone
from sellers.models import Seller

#: How many days of free slots the reschedule form lists at once.
RESCHEDULE_DAYS = 14


class BookingAddForm(forms.Form):
    """What staff give to book for a prospect; the create service checks the rest."""

    page = forms.ModelChoiceField(queryset=SchedulingPage.objects.order_by("name"))
    meeting_type = forms.ModelChoiceField(
        queryset=MeetingType.objects.select_related("page", "page__seller").order_by(
            "page__name", "order", "name"
        )
    )
    date = forms.DateField(widget=AdminDateWidget)
    time = forms.TimeField(widget=AdminTimeWidget)
    start_timezone = forms.CharField(
        label="Date and time are in",
        validators=[validate_timezone],
        help_text="An IANA timezone such as America/Lima (empty: the page's timezone).",
        required=False,
    )
    seller = forms.ModelChoiceField(
        queryset=Seller.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text="Empty: the page's routing decides, as for a booking made on the page.",
    )
    allow_outside_hours = forms.BooleanField(
        label="Book outside the offered hours",
        required=False,
        help_text=(
            "Skips working hours, minimum notice, booking window and limits. Never books "
            "over another booking or the seller's calendar busy time."
        ),
    )
    name = forms.CharField(max_length=200)
    email = forms.EmailField()
    phone = forms.CharField(max_length=40, required=False, help_text="With its country code.")
    company = forms.CharField(max_length=200, required=False)
    timezone = forms.CharField(
        label="Prospect's timezone", validators=[validate_timezone], initial="UTC"
    )
    country = forms.ChoiceField(choices=[("", "---------"), *countries], required=False)
    city = forms.CharField(max_length=100, required=False)
    answers = forms.JSONField(
        required=False,
        initial=dict,
        help_text='Answers to the meeting type\'s questions, e.g. {"company_size": "1-10"}.',
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        page, meeting_type = data.get("page"), data.get("meeting_type")
        if page and meeting_type and meeting_type.page_id != page.pk:
            self.add_error(
                "meeting_type", f"“{meeting_type.name}” is not a meeting type of {page}."
            )
        if page and data.get("date") and data.get("time"):
            zone = ZoneInfo(data.get("start_timezone") or page.timezone)
            data["start"] = dt.datetime.combine(data["date"], data["time"], tzinfo=zone)
        return data

    def booking_fields(self) -> dict[str, Any]:
        """The create service's keyword arguments (call after ``is_valid``)."""
        data = self.cleaned_data
        prospect = ("timezone", "name", "email", "phone", "company", "country", "city", "notes")
        return {
            "meeting_type": data["meeting_type"],
            "start": data["start"],
            "answers": data["answers"] or {},
            "seller": data["seller"],
            "allow_outside_hours": data["allow_outside_hours"],
            **{name: data[name] for name in prospect},
        }


class StaffActionForm(forms.Form):
    """The input of a staff action on ``bookings`` (none by default: a confirmation)."""

    def __init__(self, data: Any = None, *, bookings: list[Booking]) -> None:
        super().__init__(data)
        self.bookings = bookings


class CancelForm(StaffActionForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Sent to the prospect and kept in the booking's history.",
    )


class RescheduleForm(StaffActionForm):
    """The free slots of one booking over ``RESCHEDULE_DAYS`` from ``first_day``, from
    the same selector as the public reschedule (its own time does not block it)."""

    start = forms.ChoiceField(label="New time")

    def __init__(
        self, data: Any = None, *, bookings: list[Booking], first_day: dt.date | None = None
    ) -> None:
        super().__init__(data, bookings=bookings)
        (booking,) = bookings
        zone = str(booking.meeting_type.page.timezone)
        now = timezone.now()
        self.first_day = first_day or now.astimezone(ZoneInfo(zone)).date()
        self.last_day = self.first_day + dt.timedelta(days=RESCHEDULE_DAYS - 1)
        self.next_first_day = self.last_day + dt.timedelta(days=1)
        answer = slot_days(
            booking.meeting_type,
            self.first_day,
            self.last_day,
            zone,
            now=now,
            country=booking.country or None,
            exclude_booking_id=booking.pk,
        )
        days = json.loads(answer.body)["days"]  # the public answer, as the API serves it
        starts = [dt.datetime.fromisoformat(s) for day in days for s in day["slots"]]
        field = self.fields["start"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.isoformat(), f"{s:%a %d %b %Y %H:%M} ({zone})") for s in starts]
        field.help_text = (
            f"Free slots from {self.first_day:%d %b} to {self.last_day:%d %b %Y}."
            if starts
            else f"No free slot from {self.first_day:%d %b} to {self.last_day:%d %b %Y}."
        )

    def clean_start(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.cleaned_data["start"])
