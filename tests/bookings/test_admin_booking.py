"""The back office books and changes bookings through the booking services: the real admin
views, the real services, the real outbox rows and emails."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingEvent
from bookings.outbox.models import SyncJob
from bookings.tokens import hash_token
from tests.bookings.conftest import LIMA, personal_page, slot, team_page
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def url(view: str, *args: object) -> str:
    return reverse(f"admin:bookings_booking_{view}", args=args)


def add_form(meeting_type, start: dt.datetime, **extra) -> dict:
    local = start.astimezone(LIMA)
    return {
        "page": meeting_type.page.pk,
        "meeting_type": meeting_type.pk,
        "date": f"{local:%Y-%m-%d}",
        "time": f"{local:%H:%M}",
        "start_timezone": "America/Lima",
        "name": "Walk-in Prospect",
        "email": "walk-in@example.com",
        "timezone": "Europe/Madrid",
        "country": "ES",
        "answers": "{}",
        **extra,
    }


def add(client, meeting_type, start, capture, **extra):
    with capture(execute=True):
        return client.post(url("add"), add_form(meeting_type, start, **extra))


def test_admin_add_booking_routes_confirms_and_queues_like_the_page(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    meeting_type, sellers = team_page()

    response = add(admin_client, meeting_type, slot(), django_capture_on_commit_callbacks)

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("change", booking.pk)
    assert (booking.source, booking.start, booking.timezone) == (
        "admin",
        slot().astimezone(dt.UTC),
        "Europe/Madrid",
    )
    assert (booking.name, booking.email, booking.country) == (
        "Walk-in Prospect",
        "walk-in@example.com",
        "ES",
    )
    decision = booking.routing_decision
    assert (decision.strategy, decision.chosen) == ("round_robin", booking.seller)
    assert booking.seller in sellers
    assert list(booking.events.values_list("kind", "actor")) == [
        ("created", "staff:admin"),
        ("synced", "system"),  # the confirmation email went out
    ]
    job = SyncJob.objects.get(booking=booking, target="email", action="create")
    assert job.status == "done"
    prospect_mail = [m for m in mail.outbox if m.to == ["walk-in@example.com"]]
    assert len(prospect_mail) == 1
    token = re.search(r"/schedule/manage/([\w-]+)/", prospect_mail[0].body).group(1)
    assert hash_token(token) == booking.manage_token_hash  # the link opens this booking


def test_admin_add_booking_with_a_chosen_seller_books_them(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    meeting_type, sellers = team_page()

    add(
        admin_client,
        meeting_type,
        slot(),
        django_capture_on_commit_callbacks,
        seller=sellers[2].pk,
    )

    booking = Booking.objects.get()
    assert booking.seller == sellers[2]
    assert booking.routing_decision.reason == (
        f"fixed seller: {sellers[2].name} (seller chosen by staff:admin)"
    )


def test_admin_add_booking_outside_hours_needs_the_explicit_override(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    meeting_type, seller = personal_page()
    late = slot(hour=22)  # the seller works 08–20 Lima

    refused = add(admin_client, meeting_type, late, django_capture_on_commit_callbacks)
    booked = add(
        admin_client,
        meeting_type,
        late,
        django_capture_on_commit_callbacks,
        allow_outside_hours="on",
    )

    assert refused.status_code == 200
    assert "Book outside the offered hours" in refused.content.decode()
    assert "To book it anyway" in refused.content.decode()
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert (booking.seller, booking.start) == (seller, late.astimezone(dt.UTC))
    event = booking.events.get(kind="created")
    assert (event.kind, event.actor, event.data["outside_hours"]) == (
        "created",
        "staff:admin",
        True,
    )


@pytest.mark.parametrize(("override", "minute"), [(False, 0), (True, 0), (True, 15)])
def test_admin_add_booking_never_over_another_booking(
    override, minute, admin_client, django_capture_on_commit_callbacks
) -> None:
    meeting_type, seller = personal_page()
    existing = BookingFactory(meeting_type=meeting_type, seller=seller, start=slot())
    extra = {"allow_outside_hours": "on"} if override else {}

    response = add(
        admin_client,
        meeting_type,
        slot(minute=minute),
        django_capture_on_commit_callbacks,
        **extra,
    )

    assert response.status_code == 200
    assert "Nobody can take this time any more" in response.content.decode()
    assert list(Booking.objects.all()) == [existing]


def test_admin_add_booking_meeting_type_must_belong_to_the_page(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    meeting_type, _ = personal_page()
    other, _ = personal_page()

    response = add(
        admin_client,
        meeting_type,
        slot(),
        django_capture_on_commit_callbacks,
        page=other.page.pk,
    )

    assert response.status_code == 200
    assert "is not a meeting type of" in response.content.decode()
    assert Booking.objects.count() == 0


def test_admin_add_booking_refuses_a_line_break_in_the_name(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    """The API's serializers refuse it; the admin reaches the service directly, which must
    too (a CR/LF in the name would break the seller's email subject)."""
    meeting_type, _ = personal_page()

    response = add(
        admin_client,
        meeting_type,
        slot(),
        django_capture_on_commit_callbacks,
        name="Ana\r\nBcc: list@example.com",
    )

    assert response.status_code == 200
    assert "Line breaks and control characters are not allowed." in response.content.decode()
    assert Booking.objects.count() == 0


def booked(client, capture, **extra) -> Booking:
    meeting_type, _ = team_page(**extra)
    add(client, meeting_type, slot(), capture)
    return Booking.objects.get()


def test_admin_change_page_saves_prospect_fields_only(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    booking = booked(admin_client, django_capture_on_commit_callbacks)
    page = admin_client.get(url("change", booking.pk))
    form = page.context["adminform"].form
    data = {
        **{name: form[name].value() for name in form.fields},
        "name": "Renamed Prospect",
        "status": "cancelled",
        "start_0": "2030-01-01",
        "start_1": "10:00:00",
        "seller": "",
    }
    data["answers"] = "{}"
    for prefix in ("events", "reminders", "sms_messages", "sync_jobs"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = admin_client.post(url("change", booking.pk), data)

    fresh = Booking.objects.get()
    assert response.status_code == 302
    assert sorted(form.fields) == sorted(
        [
            "name",
            "email",
            "phone",
            "company",
            "country",
            "city",
            "answers",
            "notes",
            "calendar_needs_manual_sync",
            "pipedrive_needs_manual_sync",
            "hubspot_needs_manual_sync",
            "email_needs_manual_sync",
            "sms_needs_manual_sync",
        ]
    )
    assert fresh.name == "Renamed Prospect"
    assert (fresh.status, fresh.start, fresh.seller) == ("confirmed", booking.start, booking.seller)


def test_admin_cancel_asks_a_reason_then_cancels_through_the_service(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    booking = booked(admin_client, django_capture_on_commit_callbacks)

    page = admin_client.get(url("cancel", booking.pk))
    empty = admin_client.post(url("cancel", booking.pk), {"apply": "1", "reason": ""})
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            url("cancel", booking.pk), {"apply": "1", "reason": "Prospect phoned"}
        )

    booking.refresh_from_db()
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    assert empty.status_code == 200
    assert done.status_code == 302
    assert (booking.status, booking.cancellation_reason) == ("cancelled", "Prospect phoned")
    event = booking.events.get(kind="cancelled")
    assert (event.actor, event.data) == ("staff:admin", {"reason": "Prospect phoned"})
    assert SyncJob.objects.filter(booking=booking, action="cancel").count() == 1


def test_admin_reschedule_lists_free_slots_and_moves_through_the_service(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    booking = booked(admin_client, django_capture_on_commit_callbacks)
    later = slot(days=3, hour=11)

    page = admin_client.get(url("reschedule", booking.pk))
    choices = dict(page.context["form"].fields["start"].choices)
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            url("reschedule", booking.pk), {"apply": "1", "start": later.isoformat()}
        )

    booking.refresh_from_db()
    assert later.isoformat() in choices
    assert slot().isoformat() in choices  # its own time does not block it
    assert done.status_code == 302
    assert booking.start == later.astimezone(dt.UTC)
    event = booking.events.get(kind="rescheduled")
    assert (event.actor, event.data["previous"]["start"]) == (
        "staff:admin",
        slot().astimezone(dt.UTC).isoformat(),
    )
    assert SyncJob.objects.filter(booking=booking, action="update").count() >= 1


def test_admin_reschedule_to_a_time_not_listed_is_a_form_error(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    booking = booked(admin_client, django_capture_on_commit_callbacks)

    response = admin_client.post(
        url("reschedule", booking.pk), {"apply": "1", "start": slot(hour=23).isoformat()}
    )

    booking.refresh_from_db()
    assert response.status_code == 200
    assert booking.start == slot().astimezone(dt.UTC)


def past_booking(**kwargs) -> Booking:
    return BookingFactory(start=timezone.now().replace(microsecond=0) - dt.timedelta(hours=2))


@pytest.mark.parametrize(("name", "status"), [("complete", "completed"), ("no_show", "no_show")])
def test_admin_mark_completed_or_no_show_from_the_booking_page(name, status, admin_client) -> None:
    booking = past_booking()

    response = admin_client.post(url(name, booking.pk))

    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.status == status
    assert list(booking.events.values_list("kind", "actor")) == [(status, "staff:admin")]


def test_admin_mark_completed_refuses_a_future_meeting_with_the_reason(admin_client) -> None:
    booking = BookingFactory()

    response = admin_client.post(url("complete", booking.pk))

    booking.refresh_from_db()
    assert response.status_code == 200
    assert "This meeting has not started yet." in response.content.decode()
    assert booking.status == "confirmed"


def changelist_action(client, name: str, bookings, **extra):
    return client.post(
        url("changelist"),
        {"action": name, "_selected_action": [b.pk for b in bookings], **extra},
    )


def test_admin_bulk_cancel_asks_one_reason_then_cancels_each(admin_client) -> None:
    bookings = [BookingFactory(), BookingFactory()]

    asked = changelist_action(admin_client, "cancel", bookings)
    done = changelist_action(admin_client, "cancel", bookings, apply="1", reason="Event off")

    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    assert done.status_code == 302
    events = BookingEvent.objects.filter(kind="cancelled").order_by("booking__email")
    assert [(e.actor, e.data["reason"]) for e in events] == [("staff:admin", "Event off")] * 2
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert SyncJob.objects.filter(action="cancel").count() == 2


@pytest.mark.parametrize(("name", "status"), [("complete", "completed"), ("no_show", "no_show")])
def test_admin_bulk_mark_completed_or_no_show(name, status, admin_client) -> None:
    started = [past_booking(), past_booking()]
    future = BookingFactory()

    response = changelist_action(admin_client, name, [*started, future])

    assert response.status_code == 302
    assert sorted(Booking.objects.values_list("status", flat=True)) == sorted(
        [status, status, "confirmed"]
    )
    assert BookingEvent.objects.filter(kind=status, actor="staff:admin").count() == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[0] == f"2 bookings marked {'completed' if name == 'complete' else 'no-show'}."
    assert "This meeting has not started yet." in messages[1]


def test_admin_bulk_reschedule_takes_one_booking_to_its_page(admin_client) -> None:
    one, two = BookingFactory(), BookingFactory()

    single = changelist_action(admin_client, "reschedule", [one])
    several = changelist_action(admin_client, "reschedule", [one, two])

    assert single.status_code == 302
    assert single["Location"] == url("reschedule", one.pk)
    assert several.status_code == 302
    assert "one booking at a time" in str(next(iter(several.wsgi_request._messages)))


def test_admin_add_booking_refuses_a_seller_who_is_not_on_the_page(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    meeting_type, _ = team_page()
    _, outsider = personal_page()

    response = add(
        admin_client,
        meeting_type,
        slot(),
        django_capture_on_commit_callbacks,
        seller=outsider.pk,
    )

    assert response.status_code == 200
    assert response.context["form"].errors["seller"] == [
        f"{outsider} is not one of the sellers of {meeting_type.page}."
    ]
    assert Booking.objects.count() == 0
