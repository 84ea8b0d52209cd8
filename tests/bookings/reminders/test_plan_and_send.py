"""Reminders are planned from the meeting type, follow the booking's changes, and a sweep
sends each due one exactly once (time travel with time-machine, no sleeps)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, Reminder
from bookings.reminders import plan, sweep
from bookings.services import cancel_booking, mark_no_show, reschedule_booking
from tests.bookings.conftest import slot
from tests.bookings.reminders.conftest import book, minutes_before, rows, sent_emails
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db
S = Reminder.Status


def test_a_booking_plans_each_offset_per_channel_plus_follow_up_and_outcome_prompt() -> None:
    booking = book(remind_seller=True, follow_up_delay=30).booking

    assert rows(booking) == [
        ("follow_up", "email", "prospect", 30, S.PLANNED),
        ("outcome_prompt", "email", "seller", 0, S.PLANNED),
        ("reminder", "email", "prospect", 1440, S.PLANNED),
        ("reminder", "email", "prospect", 60, S.PLANNED),
        ("reminder", "email", "seller", 1440, S.PLANNED),
        ("reminder", "email", "seller", 60, S.PLANNED),
        ("reminder", "sms", "prospect", 1440, S.PLANNED),
        ("reminder", "sms", "prospect", 60, S.PLANNED),
    ]
    due = dict(
        Reminder.objects.filter(booking=booking, channel="email", recipient="prospect").values_list(
            "offset_minutes", "due_at"
        )
    )
    assert due[1440] == minutes_before(booking, 1440)
    assert due[30] == booking.end + dt.timedelta(minutes=30)


def test_no_phone_no_texts_and_no_follow_up_unless_the_type_sets_a_delay() -> None:
    booking = book(phone="").booking
    assert {r[:3] for r in rows(booking)} == {
        ("reminder", "email", "prospect"),
        ("outcome_prompt", "email", "seller"),
    }


def test_a_booking_made_closer_than_an_offset_gets_no_reminder_for_it() -> None:
    start = slot(days=2, hour=10)
    with time_machine.travel(start - dt.timedelta(hours=5), tick=False):
        booking = book(start=start, phone="").booking
    assert rows(booking, kind="reminder") == [("reminder", "email", "prospect", 60, S.PLANNED)]


def test_planning_twice_plans_once() -> None:
    booking = book().booking
    before = Reminder.objects.count()
    plan.plan(booking)
    assert Reminder.objects.count() == before


def test_reschedule_moves_unsent_ones_and_cancel_withdraws_them() -> None:
    booking = book(phone="").booking
    moved = reschedule_booking(booking=booking, start=slot(days=4, hour=11))

    old = Reminder.objects.filter(booking=booking, sequence=booking.sequence)
    new = Reminder.objects.filter(booking=booking, sequence=moved.sequence, kind="reminder")
    assert set(old.values_list("status", "reason")) == {(S.WITHDRAWN, "rescheduled")}
    assert sorted(new.values_list("due_at", flat=True)) == [
        minutes_before(moved, 1440),
        minutes_before(moved, 60),
    ]

    cancel_booking(booking=moved)
    assert not Reminder.objects.filter(booking=booking, status=S.PLANNED).exists()


def test_a_reminder_whose_time_passed_for_the_new_start_is_not_sent(senders) -> None:
    booking = book(days=3, phone="").booking
    new_start = slot(days=2, hour=15)
    with time_machine.travel(slot(days=2, hour=9), tick=False):
        moved = reschedule_booking(booking=booking, start=new_start)
        sweep.sweep(senders=senders)
    # 24 h before the new start is already past: only the 1 h one is planned, not sent yet.
    assert rows(moved, kind="reminder", sequence=moved.sequence) == [
        ("reminder", "email", "prospect", 60, S.PLANNED)
    ]
    assert sent_emails(senders) == []


def test_the_sweep_sends_each_due_reminder_once(senders) -> None:
    booking = book(remind_seller=True).booking
    due = minutes_before(booking, 1440)

    with time_machine.travel(due - dt.timedelta(minutes=1), tick=False):
        assert sweep.sweep(senders=senders)["sent"] == 0
    with time_machine.travel(due + dt.timedelta(seconds=30), tick=False):
        first = sweep.sweep(senders=senders)
        again = sweep.sweep(senders=senders)  # the same tick twice

    assert (first["sent"], again["sent"]) == (3, 0)
    assert sorted(e.to for e in sent_emails(senders)) == ["ana@example.com", booking.seller.email]
    (text,) = senders.sms.sent
    assert text.to == "+51987654321"
    sent = Reminder.objects.get(booking=booking, channel="sms", offset_minutes=1440)
    assert (sent.status, sent.provider_message_id, sent.delivery_status) == (
        S.SENT,
        text.sid,
        "accepted",
    )
    assert sent.sent_at is not None


def test_cancel_between_plan_and_send_sends_nothing(senders) -> None:
    booking = book().booking
    cancel_booking(booking=booking)
    with time_machine.travel(minutes_before(booking, 60), tick=False):
        sweep.sweep(senders=senders)
    assert (sent_emails(senders), senders.sms.sent) == ([], [])


def test_reschedule_after_the_claim_withdraws_at_send_time(senders) -> None:
    booking = book(phone="").booking
    with time_machine.travel(minutes_before(booking, 1440), tick=False):
        claim = sweep.claim_due()
        reschedule_booking(booking=booking, start=slot(days=4, hour=11))
        outcome = sweep.run(claim, senders)
    assert outcome == {"withdrawn": 1}
    assert sent_emails(senders) == []


def test_follow_up_after_the_meeting_but_not_after_a_no_show(senders) -> None:
    held = book(follow_up_delay=60, phone="").booking
    missed = BookingFactory(
        meeting_type=held.meeting_type, start=held.start + dt.timedelta(hours=2)
    )
    plan.plan(missed)
    with time_machine.travel(missed.start + dt.timedelta(minutes=1), tick=False):
        mark_no_show(booking=missed)
    with time_machine.travel(missed.end + dt.timedelta(hours=2), tick=False):
        sweep.sweep(senders=senders)

    subjects = [(e.to, e.subject) for e in sent_emails(senders) if "Thank you" in e.subject]
    assert subjects == [("ana@example.com", f"Thank you for meeting {held.seller.name}")]
    follow_up = Reminder.objects.get(booking=missed, kind="follow_up")
    assert (follow_up.status, follow_up.reason) == (S.WITHDRAWN, "no-show")


def test_one_query_per_reminder_on_the_hot_path(senders) -> None:
    start = slot(days=3)
    bookings = [BookingFactory(start=start + dt.timedelta(hours=i)) for i in range(20)]
    for booking in bookings:
        plan.plan(booking)
    Reminder.objects.exclude(kind="reminder").delete()
    Reminder.objects.update(due_at=start - dt.timedelta(days=2))
    count = Reminder.objects.count()

    with (
        time_machine.travel(start - dt.timedelta(days=1), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        sent = sweep.sweep(senders=senders)["sent"]

    assert sent == count == 40
    # per reminder its mark; per batch: the claim (SET LOCAL, select, update) and the
    # bookings' fresh state; per sweep: the reclaim check, SET/RESET synchronous_commit and
    # the last, empty claim (SET LOCAL, select).
    # (SAVEPOINTs are the test's transaction: a worker's atomic blocks are BEGIN/COMMIT.)
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= count + 9, [q[:60] for q in statements if "UPDATE" not in q]


def test_bookings_without_the_listener_still_get_nothing_by_accident() -> None:
    booking = BookingFactory()
    assert not Booking.objects.get(pk=booking.pk).reminders.exists()


def test_the_sweep_is_scheduled_every_minute_by_a_migration() -> None:
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    task = PeriodicTask.objects.get(name="bookings: sweep due reminders")
    assert (task.task, task.enabled) == ("bookings.sweep_reminders", True)
    assert (task.interval.every, task.interval.period) == (1, "minutes")
    app.loader.import_default_modules()
    assert "bookings.sweep_reminders" in app.tasks
