"""The outbox end to end: jobs written by ``enqueue_booking_sync`` in the booking's
transaction, run by the Celery task poked on commit (eager here), by the sweep, by the
admin; email through anymail's real Postmark backend against a fake Postmark."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import kombu
import pytest
import time_machine
from cryptography.fernet import Fernet
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from icalendar import Calendar

from bookings import ics
from bookings.models import BookingEvent
from bookings.outbox import tasks
from bookings.outbox.models import SyncJob
from bookings.outbox.services import enqueue_booking_sync
from tests.factories import BookingFactory
from tests.integrations.fake_postmark import FakePostmark

pytestmark = pytest.mark.django_db

Status = SyncJob.Status
MANAGE_URL = "http://127.0.0.1:8000/schedule/manage/plain-token/"


@pytest.fixture
def postmark(settings, breakers):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.PIPEDRIVE_API_TOKEN = ""
    settings.HUBSPOT_ACCESS_TOKEN = ""
    settings.TWILIO_ACCOUNT_SID = ""
    settings.SYNC_RETRY_BASE_SECONDS = 30
    with FakePostmark() as fake:
        settings.ANYMAIL = {
            "POSTMARK_SERVER_TOKEN": FakePostmark.token,
            "POSTMARK_API_URL": fake.url + "/",
            "REQUESTS_TIMEOUT": 5,
        }
        yield fake


@pytest.fixture
def booking():
    return BookingFactory(
        email="ana@example.org", meeting_type__page__seller__email="sam@example.com"
    )


def enqueue(booking, action="create", *, deliver=True, capture=None) -> SyncJob:
    """Write the jobs as the booking service does; deliver=False loses the Celery message."""
    with capture(execute=deliver), transaction.atomic():
        [job] = enqueue_booking_sync(
            booking=booking, action=action, payload={"manage_url": MANAGE_URL}
        )
    job.refresh_from_db()
    return job


def kinds(booking) -> list[str]:
    return list(BookingEvent.objects.filter(booking=booking).values_list("kind", flat=True))


def test_enqueued_email_job_runs_on_commit_and_sets_flags(
    booking, postmark, django_capture_on_commit_callbacks
):
    job = enqueue(booking, capture=django_capture_on_commit_callbacks)

    assert (job.target, job.status) == ("email", Status.DONE)
    assert [e.to for e in postmark.sent] == ["ana@example.org", "sam@example.com"]
    prospect = postmark.sent[0]
    assert MANAGE_URL in prospect.text
    cal = Calendar.from_ical(prospect.attachments["invite.ics"][1])
    [event] = cal.walk("VEVENT")
    assert (str(cal["method"]), str(event["uid"])) == ("REQUEST", ics.uid_for(booking))
    assert event.decoded("dtstart") == booking.start
    booking.refresh_from_db()
    assert (booking.email_synced, booking.email_needs_manual_sync) == (True, False)
    assert kinds(booking) == ["synced"]
    # the plaintext manage token does not outlive the job
    assert "manage_url" not in job.payload
    assert job.payload["sent_to"] == ["prospect", "seller"]


def test_job_delivered_twice_sends_one_email_each(
    booking, postmark, django_capture_on_commit_callbacks
):
    from bookings.outbox.tasks import run_sync_job

    job = enqueue(booking, capture=django_capture_on_commit_callbacks)
    run_sync_job.delay(job_id=str(job.pk))
    run_sync_job.apply(kwargs={"job_id": str(job.pk)})
    tasks.sweep_due_jobs()

    assert len(postmark.sent) == 2
    assert kinds(booking) == ["synced"]


def test_rate_limited_esp_retries_after_retry_after_then_succeeds(
    booking, postmark, django_capture_on_commit_callbacks
):
    postmark.fail_next(1, status=429, retry_after=300)
    before = timezone.now()

    job = enqueue(booking, capture=django_capture_on_commit_callbacks)

    assert (job.status, job.attempts) == (Status.PENDING, 1)
    assert job.not_before - before >= dt.timedelta(seconds=300)
    assert tasks.sweep_due_jobs() == 0  # nothing due yet: no hammering the ESP
    assert postmark.sent == []

    SyncJob.objects.filter(pk=job.pk).update(not_before=timezone.now())
    assert tasks.sweep_due_jobs() == 1

    job.refresh_from_db()
    assert (job.status, len(postmark.sent)) == (Status.DONE, 2)


def test_esp_down_retries_with_growing_jittered_backoff_until_manual_sync(
    booking, postmark, settings, django_capture_on_commit_callbacks
):
    settings.SYNC_RETRY_BASE_SECONDS = 10
    settings.CIRCUIT_FAILURE_THRESHOLD = 100  # this test is about retries, not the circuit
    postmark.fail_next(10, status=503)
    job = enqueue(booking, capture=django_capture_on_commit_callbacks)
    SyncJob.objects.filter(pk=job.pk).update(max_attempts=4)
    delays = []
    while True:
        job.refresh_from_db()
        if job.status != Status.PENDING:
            break
        delays.append((job.attempts, (job.not_before - job.updated_at).total_seconds()))
        SyncJob.objects.filter(pk=job.pk).update(not_before=timezone.now())
        tasks.sweep_due_jobs()

    assert [a for a, _ in delays] == [1, 2, 3]
    assert all(0 <= d <= 10 * 2 ** (a - 1) + 1 for a, d in delays)
    assert (job.status, job.attempts) == (Status.FAILED, 4)
    booking.refresh_from_db()
    assert booking.email_needs_manual_sync is True
    assert kinds(booking) == ["manual_sync_needed"]


def test_permanent_error_fails_at_once_with_flag_and_event(
    booking, postmark, django_capture_on_commit_callbacks
):
    postmark.reject_recipients.add("ana@example.org")

    job = enqueue(booking, capture=django_capture_on_commit_callbacks)

    assert (job.status, job.attempts) == (Status.FAILED, 1)
    booking.refresh_from_db()
    assert booking.email_needs_manual_sync is True
    [event] = BookingEvent.objects.filter(booking=booking)
    assert (event.kind, event.data["target"], event.data["reason"]) == (
        "manual_sync_needed",
        "email",
        "permanent",
    )


def test_open_circuit_defers_jobs_and_a_trial_closes_it(
    booking, postmark, settings, breakers, django_capture_on_commit_callbacks
):
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    settings.CIRCUIT_COOLDOWN_SECONDS = 120
    settings.SYNC_RETRY_BASE_SECONDS = 0
    postmark.fail_next(2, status=500)
    first = enqueue(booking, capture=django_capture_on_commit_callbacks)
    SyncJob.objects.filter(pk=first.pk).update(not_before=timezone.now())
    tasks.sweep_due_jobs()  # second failure: the circuit opens
    assert breakers["email"].state() == "open"

    other = BookingFactory(email="bea@example.org")
    second = enqueue(other, capture=django_capture_on_commit_callbacks)

    assert (second.status, second.attempts) == (Status.PENDING, 0)  # deferred, not failed
    assert second.not_before >= timezone.now() + dt.timedelta(seconds=100)
    assert second.last_error == "circuit email open"
    requests_so_far = len(postmark.requests)

    # After the cool-down the sweep finds both jobs due; the half-open circuit lets one
    # trial through, its success closes the circuit, and the other job follows.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=125), tick=True):
        assert tasks.sweep_due_jobs() == 2

    assert breakers["email"].state() == "closed"
    assert len(postmark.requests) > requests_so_far
    assert set(SyncJob.objects.values_list("status", flat=True)) == {Status.DONE}


def test_sweep_runs_a_job_whose_celery_message_was_lost(
    booking, postmark, django_capture_on_commit_callbacks
):
    job = enqueue(booking, deliver=False, capture=django_capture_on_commit_callbacks)
    assert (job.status, postmark.sent) == (Status.PENDING, [])

    assert tasks.sweep_due_jobs() == 1

    job.refresh_from_db()
    assert job.status == Status.DONE
    assert len(postmark.sent) == 2


def test_job_of_a_worker_killed_mid_run_is_reclaimed_after_its_lease(
    booking, postmark, django_capture_on_commit_callbacks
):
    job = enqueue(booking, deliver=False, capture=django_capture_on_commit_callbacks)
    # A worker claimed it, sent the prospect's email, recorded it, and died.
    SyncJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING,
        locked_until=timezone.now() + dt.timedelta(minutes=2),
        payload={"manage_url": MANAGE_URL, "sent_to": ["prospect"]},
    )
    assert tasks.sweep_due_jobs() == 0  # lease still live: maybe it is only slow

    SyncJob.objects.filter(pk=job.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert tasks.sweep_due_jobs() == 1

    job.refresh_from_db()
    assert job.status == Status.DONE
    assert [e.to for e in postmark.sent] == ["sam@example.com"]  # only what was missing


def test_a_newer_change_while_a_job_waits_resends_to_everyone(
    booking, postmark, django_capture_on_commit_callbacks
):
    postmark.rate_limit_once("sam@example.com", retry_after=60)
    first = enqueue(booking, "update", capture=django_capture_on_commit_callbacks)
    assert first.payload["sent_to"] == ["prospect"]

    booking.sequence += 1
    booking.save()
    again = enqueue(booking, "update", deliver=False, capture=django_capture_on_commit_callbacks)

    assert again.pk == first.pk  # one pending job per booking, target and action
    assert "sent_to" not in again.payload
    SyncJob.objects.filter(pk=again.pk).update(not_before=timezone.now())
    tasks.sweep_due_jobs()
    assert [e.to for e in postmark.sent] == [
        "ana@example.org",
        "ana@example.org",
        "sam@example.com",
    ]


def test_sweep_is_scheduled_every_minute_in_beat():
    task = PeriodicTask.objects.get(task="integrations.sweep_sync_jobs")

    assert (task.enabled, task.interval.every, task.interval.period) == (True, 1, "minutes")


def test_admin_retry_actions_requeue_failed_jobs(
    booking, postmark, client, staff_user, django_capture_on_commit_callbacks
):
    postmark.reject_recipients.add("ana@example.org")
    job = enqueue(booking, capture=django_capture_on_commit_callbacks)
    assert job.status == Status.FAILED
    postmark.reject_recipients.clear()
    client.force_login(staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:bookings_syncjob_changelist"),
            {"action": "retry_sync_now", "_selected_action": [str(job.pk)]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 job(s) will run now" in response.content.decode()
    job.refresh_from_db()
    booking.refresh_from_db()
    assert job.status == Status.DONE
    assert (booking.email_synced, booking.email_needs_manual_sync) == (True, False)


def test_admin_bulk_retry_all_failed_syncs_on_bookings(
    postmark, client, staff_user, django_capture_on_commit_callbacks
):
    postmark.reject_recipients.update({"a@example.org", "b@example.org"})
    bookings = [BookingFactory(email="a@example.org"), BookingFactory(email="b@example.org")]
    for b in bookings:
        enqueue(b, capture=django_capture_on_commit_callbacks)
    postmark.reject_recipients.clear()
    client.force_login(staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:bookings_booking_changelist"),
            {"action": "retry_all_failed_syncs", "_selected_action": [str(b.pk) for b in bookings]},
            follow=True,
        )

    assert "2 failed sync job(s) queued again" in response.content.decode()
    assert set(SyncJob.objects.values_list("status", flat=True)) == {Status.DONE}
    for b in bookings:
        b.refresh_from_db()
        assert (b.email_synced, b.email_needs_manual_sync) == (True, False)


# --- a real Celery worker over RabbitMQ ---------------------------------------------------
BROKER = os.environ.get("OUTBOX_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672//")


class RealWorker:
    """``celery -A config worker`` in its own process group, on a queue of its own."""

    def __init__(self, env: dict[str, str], log_path: str) -> None:
        self.env, self.log_path, self.proc = env, log_path, None

    def start(self) -> "RealWorker":
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "-Q",
            self.env["OUTBOX_TEST_QUEUE"],
            "-n",
            f"outbox-test-{uuid.uuid4().hex[:8]}@%h",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ]
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole group (main process and pool child): no cleanup runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def _forget_broker_connections(app) -> None:
    """Celery caches its connection and producer pools per broker URL on first use."""
    app._pool = None
    app.amqp._producer_pool = None


def wait_for(condition, timeout: float = 40.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_jobs_and_reclaims_one_whose_worker_was_killed(
    tmp_path, settings, breakers
):
    from bookings.outbox.tasks import sweep_sync_jobs
    from config.celery import app

    settings.PIPEDRIVE_API_TOKEN = settings.HUBSPOT_ACCESS_TOKEN = settings.TWILIO_ACCOUNT_SID = ""
    queue = f"outbox-test-{uuid.uuid4().hex[:8]}"
    # This process publishes for real (not eagerly) to the worker's own queue.
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=BROKER, task_default_queue=queue)
    _forget_broker_connections(app)
    db = connection.settings_dict
    with FakePostmark() as fake:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integrations.celery_worker_settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER,
            "OUTBOX_TEST_QUEUE": queue,
            "ANYMAIL_POSTMARK_SERVER_TOKEN": FakePostmark.token,
            "ANYMAIL_POSTMARK_API_URL": fake.url + "/",
        }
        log_path = str(tmp_path / "worker.log")
        workers = [RealWorker(env, log_path).start()]
        try:
            # 1. The booking's transaction commits; the on-commit poke reaches the worker.
            first = BookingFactory(email="ana@example.org")
            with transaction.atomic():
                [job] = enqueue_booking_sync(booking=first, action="create")
            wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == Status.DONE, what="job")
            assert [e.to for e in fake.sent] == ["ana@example.org", first.seller.email]

            # 2. The worker is killed while the ESP holds the prospect's message.
            fake.hang_next(1, seconds=8)
            second = BookingFactory(email="bea@example.org")
            requests_before = len(fake.requests)
            with transaction.atomic():
                [stuck] = enqueue_booking_sync(booking=second, action="create")
            wait_for(lambda: len(fake.requests) > requests_before, what="the hung request")
            workers[0].kill()
            stuck.refresh_from_db()
            assert stuck.status == Status.RUNNING  # nobody finished it

            # A new worker gets the unacknowledged message again (acks_late) but the lease
            # is live: it leaves the job alone. Once the lease ran out, the sweep reclaims it.
            workers.append(RealWorker(env, log_path).start())
            wait_for(
                lambda: SyncJob.objects.get(pk=stuck.pk).locked_until < timezone.now(),
                timeout=20,
                what="the lease to run out",
            )
            sweep_sync_jobs.delay()
            wait_for(
                lambda: SyncJob.objects.get(pk=stuck.pk).status == Status.DONE,
                what="the reclaimed job",
            )
            assert [e.to for e in fake.sent] == [
                "ana@example.org",
                first.seller.email,
                "bea@example.org",
                second.seller.email,
            ]
        except AssertionError:
            print(Path(log_path).read_text()[-5000:])
            raise
        finally:
            for worker_process in workers:
                worker_process.kill()
            app.pool.force_close_all()
            app.conf.update(saved)
            _forget_broker_connections(app)
            with kombu.Connection(BROKER) as conn:
                conn.default_channel.queue_delete(queue)


def test_pending_job_holds_the_manage_link_only_sealed(booking, postmark, settings):
    """The outbox table (and its backups) never holds a usable manage link: the column has
    a Fernet token, which any key of the ring opens, and the email still carries the link."""
    with transaction.atomic():
        [job] = enqueue_booking_sync(
            booking=booking, action="create", payload={"manage_url": MANAGE_URL}
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload::text FROM integrations_syncjob WHERE id = %s", [job.pk])
        [raw] = cursor.fetchone()
    assert "plain-token" not in raw
    newer = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [newer, *settings.FIELD_ENCRYPTION_KEYS]  # a rotation

    tasks.run_sync_job(job_id=str(job.pk))

    assert MANAGE_URL in postmark.sent[0].text


@pytest.mark.django_db(transaction=True)
def test_booking_answers_201_when_the_broker_is_down_and_the_sweep_sends_it_later(
    api_client, settings
):
    """The poke after commit cannot reach the broker: the booking stands, the request
    answers 201 (not a 500 for a booking that exists), and its jobs wait for the sweep."""
    from config.celery import app
    from tests.bookings.conftest import body, personal_page, slot

    meeting_type, _ = personal_page()
    keys = (
        "task_always_eager",
        "broker_url",
        "broker_connection_retry",
        "broker_connection_max_retries",
    )
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url="amqp://guest:guest@127.0.0.1:1//",  # nothing listens there
        broker_connection_retry=False,
    )
    _forget_broker_connections(app)
    try:
        response = api_client.post(
            f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/",
            body(slot(days=2)),
            format="json",
        )
    finally:
        app.conf.update(saved)
        _forget_broker_connections(app)

    assert response.status_code == 201
    [job] = SyncJob.objects.filter(booking_id=response.json()["id"])
    assert (job.target, job.status) == ("email", Status.PENDING)
