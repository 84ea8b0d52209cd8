"""The back office: reminders and the SMS thread on the booking's page, the reminder list
with "send now" for failed ones, opt-outs, and the templates with their preview."""

import pytest
from django.urls import reverse

from bookings.models import Reminder, SmsMessage, SmsOptOut
from tests.bookings.reminders.conftest import PHONE, book

pytestmark = pytest.mark.django_db


def test_booking_page_shows_reminders_and_the_sms_thread(admin_client) -> None:
    booking = book().booking
    SmsMessage.objects.create(
        booking=booking, direction="in", number=PHONE, body="C", action="confirm"
    )
    Reminder.objects.filter(booking=booking, channel="sms", offset_minutes=60).update(
        status="skipped", reason="the number opted out (STOP)"
    )

    page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "reminders and follow-ups" in html.lower() and "the number opted out (STOP)" in html
    assert "SMS thread" in html and "confirm" in html


def test_send_now_resends_a_failed_reminder_and_leaves_others(admin_client, mailoutbox) -> None:
    booking = book(phone="").booking
    failed, planned = Reminder.objects.filter(booking=booking, kind="reminder").order_by("id")
    Reminder.objects.filter(pk=failed.pk).update(status="failed", reason="esp: rejected")

    response = admin_client.post(
        reverse("admin:bookings_reminder_changelist"),
        {"action": "send_now", "_selected_action": [failed.pk, planned.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 sent, 1 tried, 1 not failed" in response.content.decode()
    failed.refresh_from_db()
    planned.refresh_from_db()
    assert (failed.status, planned.status) == ("sent", "planned")
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]


def test_templates_page_edits_and_previews(admin_client) -> None:
    meeting_type = book().booking.meeting_type
    url = reverse("admin:bookings_remindertemplates_change", args=[meeting_type.pk])

    response = admin_client.post(
        url,
        {
            "reminder_email_subject": "Soon: {{ meeting_type }}",
            "reminder_email_body": "Hi {{ name }}",
            "reminder_sms_body": "",
            "follow_up_subject": "",
            "follow_up_body": "Thanks, {{ name }}!",
        },
    )
    assert response.status_code == 302
    page = admin_client.get(url).content.decode()
    assert "Soon: Discovery call" in page and "Hi Sam Prospect" in page
    assert "Thanks, Sam Prospect!" in page and "GSM-7 characters" in page


def test_opt_outs_are_listed(admin_client) -> None:
    SmsOptOut.objects.create(number=PHONE, keyword="STOP")
    page = admin_client.get(reverse("admin:bookings_smsoptout_changelist"))
    assert PHONE in page.content.decode()
