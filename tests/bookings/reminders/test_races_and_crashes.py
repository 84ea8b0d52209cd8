"""At most one message per reminder: two sweepers racing (real threads, real
transactions), the same tick twice, a worker killed between the provider's accept and the
row's mark, and a killed worker's claim taken back."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from bookings.models import Reminder
from bookings.reminders import plan, sweep
from integrations.email.fake import FakeEmailSender
from integrations.email.fallback import FallbackSender
from integrations.sms.fake import FakeSms
from tests.factories import BookingFactory

S = Reminder.Status
START = dt.datetime(2027, 2, 1, 15, 0, tzinfo=dt.UTC)


def due_reminders(n_bookings: int) -> list[int]:
    """``n_bookings`` bookings with their two email reminders, all due at START - 1 day."""
    for i in range(n_bookings):
        booking = BookingFactory(start=START + dt.timedelta(hours=i), phone="")
        with time_machine.travel(START - dt.timedelta(days=3), tick=False):
            plan.plan(booking)
    Reminder.objects.exclude(kind="reminder").delete()
    Reminder.objects.update(due_at=START - dt.timedelta(days=1, minutes=5))
    return list(Reminder.objects.values_list("id", flat=True))


def reminder_of(email) -> int:
    return int(email.headers["X-Meetroute-Reminder"])


class Killed(BaseException):
    """A worker killed: not an Exception, nothing in the sweep catches it."""


class DiesAfterAccepting(FakeEmailSender):
    """The provider accepts message number ``at``, then the worker dies before marking it."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def send(self, email):
        message_id = super().send(email)
        if len(self.sent) == self.at:
            raise Killed
        return message_id


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_racing_send_each_reminder_once(settings) -> None:
    settings.REMINDER_BATCH_SIZE = 7
    ids = due_reminders(40)
    email = FakeEmailSender()
    shared = sweep.Senders(email=FallbackSender(email), sms=FakeSms())
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            barrier.wait()
            with time_machine.travel(START - dt.timedelta(days=1), tick=True):
                sweep.sweep(senders=shared)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(email.sent) == len(ids) == 80
    assert len({reminder_of(e) for e in email.sent}) == 80  # no reminder twice
    assert set(Reminder.objects.values_list("status", flat=True)) == {S.SENT}
    assert len({m for m in Reminder.objects.values_list("provider_message_id", flat=True)}) == 80


@pytest.mark.django_db
def test_a_worker_killed_between_send_and_mark_sends_nothing_twice(settings) -> None:
    settings.REMINDER_BATCH_SIZE = 5
    due_reminders(3)  # six rows: one batch of five, then one
    dying = DiesAfterAccepting(at=3)
    with (
        time_machine.travel(START - dt.timedelta(days=1), tick=False),
        pytest.raises(Killed),
    ):
        sweep.sweep(senders=sweep.Senders(FallbackSender(dying), FakeSms()))
    in_flight = reminder_of(dying.sent[-1])

    healthy = FakeEmailSender()
    senders = sweep.Senders(FallbackSender(healthy), FakeSms())
    with time_machine.travel(START - dt.timedelta(days=1, seconds=-60), tick=False):
        assert sweep.sweep(senders=senders)["sent"] == 1  # the sixth; the claim still holds
    after_lease = START - dt.timedelta(days=1) + dt.timedelta(seconds=301)
    with time_machine.travel(after_lease, tick=False):
        totals = sweep.sweep(senders=senders)

    assert (totals["reclaimed"], totals["sent"]) == (3, 2)
    everything = [reminder_of(e) for e in dying.sent + healthy.sent]
    assert len(everything) == len(set(everything)) == 6
    assert in_flight not in {reminder_of(e) for e in healthy.sent}
    failed = Reminder.objects.get(status=S.FAILED)
    assert failed.pk == in_flight
    assert failed.reason == sweep.UNCERTAIN
    assert Reminder.objects.filter(status=S.SENT).count() == 5


@pytest.mark.django_db
def test_a_claim_whose_worker_died_before_sending_is_taken_back_whole(settings) -> None:
    due_reminders(2)
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        claim = sweep.claim_due()  # ... and the worker dies here
    assert len(claim.rows) == 4

    email = FakeEmailSender()
    after_lease = START - dt.timedelta(days=1) + dt.timedelta(seconds=301)
    with time_machine.travel(after_lease, tick=False):
        totals = sweep.sweep(senders=sweep.Senders(FallbackSender(email), FakeSms()))

    assert (totals["reclaimed"], totals["sent"], len(email.sent)) == (4, 4, 4)


@pytest.mark.django_db
def test_transient_errors_retry_later_and_permanent_ones_fail(settings) -> None:
    from integrations.base import ProviderPermanentError, ProviderTransientError

    due_reminders(1)
    email = FakeEmailSender()
    email.fail_next(ProviderTransientError("esp", "503"))
    email.fail_next(ProviderPermanentError("esp", "rejected recipient"))
    senders = sweep.Senders(FallbackSender(email), FakeSms())
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        totals = sweep.sweep(senders=senders)

    assert (totals["planned"], totals["failed"]) == (1, 1)
    retry = Reminder.objects.get(status=S.PLANNED)
    assert retry.reason.startswith("retrying: esp: 503")
    assert retry.due_at >= START - dt.timedelta(days=1)
    failed = Reminder.objects.get(status=S.FAILED)
    assert sweep.send_now(reminder_id=failed.pk, senders=senders) == S.SENT
    assert sweep.send_now(reminder_id=failed.pk, senders=senders) is None  # not failed now


@pytest.mark.django_db
def test_marks_lost_with_the_database_are_not_resent(settings) -> None:
    """A database crash may lose asynchronously committed marks: every unmarked row up to
    the in-flight one counts as attempted, the rows after it go again."""
    due_reminders(3)
    email = FakeEmailSender()
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        claim = sweep.claim_due()
        third = claim.rows[2]
        sweep.cache.set(sweep._marker(claim.id), third.id, 60)  # sent 1-3, marks lost

    after_lease = START - dt.timedelta(days=1) + dt.timedelta(seconds=301)
    with time_machine.travel(after_lease, tick=False):
        totals = sweep.sweep(senders=sweep.Senders(FallbackSender(email), FakeSms()))

    assert (totals["reclaimed"], totals["sent"]) == (6, 3)
    failed = set(Reminder.objects.filter(status=S.FAILED).values_list("id", flat=True))
    assert failed == {row.id for row in claim.rows[:3]}
    assert {reminder_of(e) for e in email.sent} == {row.id for row in claim.rows[3:]}
