import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bookings.models import Booking, BookingEvent
from bookings.outbox import handlers, tasks, worker
from bookings.outbox import services as outbox_services
from bookings.outbox.models import SyncJob
from integrations.base import ProviderPermanentError, ProviderTransientError
from tests.factories import BookingFactory, SyncJobFactory

pytestmark = pytest.mark.django_db

Status = SyncJob.Status


def events(booking, kind):
    return list(BookingEvent.objects.filter(booking=booking, kind=kind))


def test_run_job_success_marks_done_sets_flags_and_records_event(stand_in_handler):
    job = SyncJobFactory(target="pipedrive", booking__pipedrive_needs_manual_sync=True)

    assert worker.run_job(job_id=str(job.pk)) == worker.DONE

    job.refresh_from_db()
    job.booking.refresh_from_db()
    assert (job.status, job.attempts, job.locked_until) == (Status.DONE, 0, None)
    assert job.finished_at is not None
    assert (job.booking.pipedrive_synced, job.booking.pipedrive_needs_manual_sync) == (True, False)
    assert [e.data["target"] for e in events(job.booking, "synced")] == ["pipedrive"]


def test_run_job_twice_has_one_effect(stand_in_handler):
    job = SyncJobFactory(target="pipedrive")

    assert worker.run_job(job_id=str(job.pk)) == worker.DONE
    assert worker.run_job(job_id=str(job.pk)) == worker.SKIPPED

    assert stand_in_handler.calls == [str(job.pk)]
    assert len(events(job.booking, "synced")) == 1


def test_run_job_missing_or_not_due_is_skipped(stand_in_handler):
    later = SyncJobFactory(target="pipedrive", not_before=timezone.now() + dt.timedelta(hours=1))

    assert worker.run_job(job_id="00000000-0000-0000-0000-000000000000") == worker.SKIPPED
    assert worker.run_job(job_id=str(later.pk)) == worker.SKIPPED
    assert stand_in_handler.calls == []


def test_transient_error_retries_later_honouring_retry_after(stand_in_handler, settings):
    settings.SYNC_RETRY_BASE_SECONDS = 1
    stand_in_handler.script = [ProviderTransientError("pipedrive", "429", retry_after=120)]
    job = SyncJobFactory(target="pipedrive")
    before = timezone.now()

    assert worker.run_job(job_id=str(job.pk)) == worker.RETRY

    job.refresh_from_db()
    assert (job.status, job.attempts, job.locked_until) == (Status.PENDING, 1, None)
    assert job.not_before >= before + dt.timedelta(seconds=120)
    assert job.last_error == "pipedrive: 429"
    assert events(job.booking, "manual_sync_needed") == []


def test_backoff_is_full_jitter_capped_exponential(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 10
    settings.SYNC_RETRY_CAP_SECONDS = 100
    samples = {n: [worker.backoff_seconds(n) for _ in range(200)] for n in (1, 2, 3, 6)}

    assert all(0 <= s <= 10 for s in samples[1])
    assert all(0 <= s <= 20 for s in samples[2])
    assert all(0 <= s <= 40 for s in samples[3])
    assert all(0 <= s <= 100 for s in samples[6])
    assert max(samples[6]) > 40  # the cap, not the first window, bounds later retries
    assert len(set(samples[1])) > 100  # jittered


def test_last_attempt_fails_the_job_and_flags_the_booking(stand_in_handler, settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0
    job = SyncJobFactory(target="pipedrive", max_attempts=3)
    stand_in_handler.script = [ProviderTransientError("pipedrive", "500")] * 3

    outcomes = []
    for _ in range(3):
        SyncJob.objects.filter(pk=job.pk).update(not_before=timezone.now())
        outcomes.append(worker.run_job(job_id=str(job.pk)))

    job.refresh_from_db()
    job.booking.refresh_from_db()
    assert outcomes == [worker.RETRY, worker.RETRY, worker.FAILED]
    assert (job.status, job.attempts) == (Status.FAILED, 3)
    assert job.booking.pipedrive_needs_manual_sync is True
    assert job.booking.pipedrive_synced is False
    [event] = events(job.booking, "manual_sync_needed")
    assert event.data["reason"] == "out of attempts"


def test_permanent_error_fails_at_once(stand_in_handler):
    stand_in_handler.script = [ProviderPermanentError("calendar", "invalid_grant")]
    job = SyncJobFactory(target="calendar")

    assert worker.run_job(job_id=str(job.pk)) == worker.FAILED

    job.refresh_from_db()
    job.booking.refresh_from_db()
    assert (job.status, job.attempts, job.last_error) == (
        Status.FAILED,
        1,
        "calendar: invalid_grant",
    )
    assert job.booking.calendar_needs_manual_sync is True
    [event] = events(job.booking, "manual_sync_needed")
    assert (event.data["target"], event.data["reason"]) == ("calendar", "permanent")


def test_video_success_does_not_clear_a_failed_calendar_flag(stand_in_handler):
    booking = BookingFactory()
    stand_in_handler.script = [ProviderPermanentError("calendar", "gone"), None]
    calendar = SyncJobFactory(booking=booking, target="calendar")
    video = SyncJobFactory(booking=booking, target="video")

    worker.run_job(job_id=str(calendar.pk))
    worker.run_job(job_id=str(video.pk))

    booking.refresh_from_db()
    assert booking.calendar_needs_manual_sync is True


def test_handler_that_cannot_be_imported_fails_only_its_job(stand_in_handler, monkeypatch):
    monkeypatch.setitem(handlers.HANDLERS, "hubspot", "integrations.nothing_here.handle")
    broken = SyncJobFactory(target="hubspot")
    fine = SyncJobFactory(target="pipedrive", booking=broken.booking)

    assert worker.run_job(job_id=str(broken.pk)) == worker.RETRY
    assert worker.run_job(job_id=str(fine.pk)) == worker.DONE

    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == (Status.PENDING, 1)
    assert "integrations.nothing_here.handle cannot be imported" in broken.last_error


def test_open_circuit_defers_without_spending_an_attempt(stand_in_handler, breakers, settings):
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    settings.CIRCUIT_COOLDOWN_SECONDS = 60
    breaker = breakers["pipedrive"]
    breaker.__init__("pipedrive")
    breaker.record_failure()
    breaker.record_failure()
    job = SyncJobFactory(target="pipedrive")
    before = timezone.now()

    assert worker.run_job(job_id=str(job.pk)) == worker.DEFERRED

    job.refresh_from_db()
    assert stand_in_handler.calls == []
    assert (job.status, job.attempts) == (Status.PENDING, 0)
    assert before + dt.timedelta(seconds=55) <= job.not_before <= before + dt.timedelta(seconds=61)


def test_running_job_with_live_lease_is_left_alone(stand_in_handler):
    job = SyncJobFactory(
        target="pipedrive",
        status=Status.RUNNING,
        locked_until=timezone.now() + dt.timedelta(minutes=2),
    )

    assert worker.run_job(job_id=str(job.pk)) == worker.SKIPPED
    assert tasks.sweep_due_jobs() == 0
    assert stand_in_handler.calls == []


def test_running_job_with_expired_lease_is_reclaimed_by_the_sweep(stand_in_handler):
    job = SyncJobFactory(
        target="pipedrive",
        status=Status.RUNNING,
        locked_until=timezone.now() - dt.timedelta(seconds=1),
    )

    assert tasks.sweep_due_jobs() == 1

    job.refresh_from_db()
    assert job.status == Status.DONE
    assert stand_in_handler.calls == [str(job.pk)]


def test_retry_after_a_new_pending_job_appeared_is_superseded(stand_in_handler):
    job = SyncJobFactory(target="pipedrive", action="update", payload={"manage_url": "u"})
    newer: list[SyncJob] = []

    def enqueue_meanwhile(running_job):
        newer.append(
            SyncJobFactory(booking=running_job.booking, target="pipedrive", action="update")
        )
        raise ProviderTransientError("pipedrive", "503")

    stand_in_handler.script = [enqueue_meanwhile]

    assert worker.run_job(job_id=str(job.pk)) == worker.SUPERSEDED

    job.refresh_from_db()
    newer[0].refresh_from_db()
    assert job.status == Status.DONE
    assert job.last_error == f"superseded by job {newer[0].pk}"
    assert (newer[0].status, newer[0].payload) == (Status.PENDING, {"manage_url": "u"})


def test_retry_job_resets_a_failed_job_and_clears_the_flag(stand_in_handler):
    stand_in_handler.script = [ProviderPermanentError("pipedrive", "400")]
    job = SyncJobFactory(target="pipedrive")
    worker.run_job(job_id=str(job.pk))

    retried = outbox_services.retry_job(job, actor="staff:ops")

    job.refresh_from_db()
    job.booking.refresh_from_db()
    assert retried.pk == job.pk
    assert (job.status, job.attempts, job.finished_at) == (Status.PENDING, 0, None)
    assert job.booking.pipedrive_needs_manual_sync is False
    assert outbox_services.retry_job(job) is None  # not failed any more: nothing to do


def test_retry_job_reuses_the_existing_pending_job(stand_in_handler):
    failed = SyncJobFactory(target="pipedrive", status=Status.FAILED, payload={"a": 1})
    pending = SyncJobFactory(
        booking=failed.booking,
        target="pipedrive",
        not_before=timezone.now() + dt.timedelta(hours=1),
    )

    retried = outbox_services.retry_job(failed)

    failed.refresh_from_db()
    pending.refresh_from_db()
    assert retried.pk == pending.pk
    assert failed.status == Status.FAILED
    assert pending.not_before <= timezone.now()
    assert pending.payload == {"a": 1}


def test_retry_failed_bulk_counts_only_failed_jobs(stand_in_handler):
    booking = BookingFactory()
    SyncJobFactory(booking=booking, target="pipedrive", status=Status.FAILED)
    SyncJobFactory(booking=booking, target="calendar", status=Status.FAILED)
    SyncJobFactory(booking=booking, target="hubspot", status=Status.DONE)

    assert outbox_services.retry_failed_for_bookings([booking]) == 2
    assert SyncJob.objects.filter(booking=booking, status=Status.FAILED).count() == 0


@pytest.mark.django_db(transaction=True)
def test_duplicate_delivery_while_running_is_skipped(stand_in_handler):
    job = SyncJobFactory(target="pipedrive")
    stand_in_handler.pause = threading.Event()
    outcome: list[str] = []

    def first_delivery() -> None:
        try:
            outcome.append(worker.run_job(job_id=str(job.pk)))
        finally:
            connection.close()

    thread = threading.Thread(target=first_delivery)
    thread.start()
    assert stand_in_handler.entered.wait(5)
    second = worker.run_job(job_id=str(job.pk))
    stand_in_handler.pause.set()
    thread.join(10)

    assert (outcome, second) == ([worker.DONE], worker.SKIPPED)
    assert stand_in_handler.calls == [str(job.pk)]


@pytest.mark.django_db(transaction=True)
def test_claim_is_not_blocked_by_the_booking_service_locking_the_booking(stand_in_handler):
    job = SyncJobFactory(target="pipedrive")
    locked, release = threading.Event(), threading.Event()

    def booking_service_transaction() -> None:
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=job.booking_id)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=booking_service_transaction)
    thread.start()
    assert locked.wait(5)
    stand_in_handler.script = [lambda job: release.set()]

    outcome = worker.run_job(job_id=str(job.pk))
    thread.join(10)

    assert outcome == worker.DONE
