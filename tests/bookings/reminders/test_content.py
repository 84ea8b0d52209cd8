"""What reminders say: HTML + text in the recipient's zone with the join and manage links
and the invite again; texts within one GSM-7 segment with the business name and a short
link; per-type templates; the seller's signed outcome links."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing

from bookings.models import Booking, BookingStatus, Reminder
from bookings.reminders import content, links, plan, sweep
from tests.bookings.reminders.conftest import book, minutes_before, sent_emails
from tests.factories import BookingFactory, MeetingTypeFactory, PageFactory, SellerFactory

pytestmark = pytest.mark.django_db


def reminder(booking: Booking, **filters) -> Reminder:
    return Reminder.objects.select_related(
        "booking__seller", "booking__meeting_type__page", "booking__manage_link"
    ).get(booking=booking, **filters)


def test_prospect_email_has_html_text_zone_join_manage_and_invite(senders) -> None:
    result = book(phone="")
    booking = Booking.objects.get(pk=result.booking.pk)
    booking.meeting_url = "https://meet.example/abc-defg-hij"
    booking.save(update_fields=["meeting_url"])
    with time_machine.travel(minutes_before(booking, 1440), tick=False):
        sweep.sweep(senders=senders)

    (email,) = sent_emails(senders)
    manage = f"/schedule/manage/{result.manage_token}/"
    assert email.subject.startswith("Reminder: Discovery call with ")
    assert "10:00–10:30 America/Lima (UTC-05:00)" in email.subject
    assert "10:00–10:30" in email.text and "America/Lima (UTC-05:00)" in email.html
    assert "https://meet.example/abc-defg-hij" in email.text
    assert manage in email.text and manage in email.html
    assert '<a href="https://meet.example/abc-defg-hij">' in email.html
    (invite,) = email.attachments
    assert invite.filename == "invite.ics" and b"METHOD:REQUEST" in invite.content
    assert email.headers["X-Meetroute-Reminder"].isdigit()


def test_seller_email_is_in_the_sellers_zone_without_the_prospects_manage_link(senders) -> None:
    seller = SellerFactory(timezone="Europe/Madrid")
    meeting_type = MeetingTypeFactory(page=PageFactory(seller=seller), remind_seller=True)
    booking = BookingFactory(
        meeting_type=meeting_type, start=dt.datetime(2027, 1, 20, 15, 0, tzinfo=dt.UTC)
    )
    plan.plan(booking, now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    email = content.email(reminder(booking, recipient="seller", offset_minutes=60))
    assert email.to == seller.email
    assert "16:00–16:30 Europe/Madrid (UTC+01:00)" in email.subject
    assert "/schedule/manage/" not in email.text and email.attachments == ()


@pytest.mark.parametrize(
    ("zone", "start", "shown"),
    [
        # Booked in winter time, the meeting after the spring change: the reminder shows
        # the summer offset.
        (
            "Europe/Madrid",
            dt.datetime(2027, 3, 29, 8, 0, tzinfo=dt.UTC),
            "10:00–10:30 Europe/Madrid (UTC+02:00)",
        ),
        (
            "America/New_York",
            dt.datetime(2027, 3, 15, 13, 0, tzinfo=dt.UTC),
            "09:00–09:30 America/New_York (UTC-04:00)",
        ),
    ],
)
def test_dst_between_booking_and_reminder(zone, start, shown, senders) -> None:
    booking = BookingFactory(start=start, timezone=zone, phone="+34612345678")
    with time_machine.travel(dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        plan.plan(booking)
    row = reminder(booking, channel="email", offset_minutes=1440)
    assert row.due_at == start - dt.timedelta(days=1)
    assert shown in content.email(row).subject
    text = content.sms(reminder(booking, channel="sms", offset_minutes=1440))
    local = start.astimezone(ZoneInfo(zone))
    assert f"{local:%H:%M}" in text


def test_sms_fits_one_gsm7_segment_with_business_and_short_link(client) -> None:
    result = book()
    row = reminder(result.booking, channel="sms", offset_minutes=60)
    text = content.sms(row)

    assert content.fits_one_sms(text), (len(text), text)
    assert row.booking.meeting_type.page.name in text
    short = links.short_url(row.booking.pk)
    assert short in text and len(short) < 50
    response = client.get(short.replace("http://testserver", "").split("127.0.0.1:8000")[-1])
    assert response.status_code == 302
    assert response["Location"].endswith(f"/schedule/manage/{result.manage_token}/")
    assert client.get("/schedule/s/not-a-code/").status_code == 404


def test_gsm7_counts_extension_characters_double_and_rejects_others() -> None:
    assert content.gsm7_length("Hola {x}") == 10
    assert content.gsm7_length("Reunión") is None  # ó is not GSM-7
    assert content.gsm7_length("Reunion é") == 9


def test_a_meeting_types_own_templates_are_used() -> None:
    result = book(
        reminder_email_subject="See you soon, {{ name }}",
        reminder_email_body="Dear {{ name }}, {{ meeting_type }} at {{ when }}.",
        reminder_sms_body="{{ business }}: {{ time }} {{ link }}",
    )
    email = content.email(reminder(result.booking, channel="email", offset_minutes=60))
    assert email.subject == "See you soon, Ana"
    assert email.text.startswith("Dear Ana, Discovery call at ")
    text = content.sms(reminder(result.booking, channel="sms", offset_minutes=60))
    assert text.startswith(result.booking.meeting_type.page.name + ": ")


def test_outcome_prompt_links_mark_completed_through_the_service(client, senders) -> None:
    booking = book(phone="").booking
    with time_machine.travel(booking.end + dt.timedelta(minutes=1), tick=False):
        sweep.sweep(senders=senders)
        (prompt,) = [e for e in sent_emails(senders) if e.to == booking.seller.email]
        completed = links.outcome_url(booking.pk, "completed")
        assert completed in prompt.text and links.outcome_url(booking.pk, "no_show") in prompt.text
        path = completed.split("127.0.0.1:8000")[-1]

        assert client.get(path).status_code == 200  # a mail scanner's GET changes nothing
        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
        assert client.post(path).status_code == 200
    booked = Booking.objects.get(pk=booking.pk)
    assert booked.status == BookingStatus.COMPLETED
    assert booked.events.filter(kind="completed").exists()

    forged = signing.dumps({"b": str(booking.pk), "o": "no_show"}, salt="other")
    assert client.get(f"/schedule/outcome/{forged}/").status_code == 404
    with time_machine.travel(booking.end + dt.timedelta(days=15), tick=False):
        assert client.get(path).status_code == 404  # too old
