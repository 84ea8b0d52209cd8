"""External-cron mode: ``POST /api/cron/waitlist-check`` with the Bearer secret, and
``DISABLE_INTERNAL_CRONS`` switching the beat entry and the beat task off."""

import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from integrations.calendar import fake
from tests.waitlist.monitoring_helpers import google_config, watched_slot
from waitlist import tasks
from waitlist.services import monitoring

URL = "/api/cron/waitlist-check"
SECRET = "s3cret-for-the-scheduler-0123456789"


@pytest.fixture
def cron(settings):
    settings.CRON_SECRET = SECRET
    settings.DEBUG = True  # the in-memory calendar stands in for Google
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    fake.shared().events.clear()
    return settings


@pytest.fixture
def due_slot(db):
    return watched_slot(google_config(), timezone.now() + dt.timedelta(days=1))


@pytest.mark.parametrize(
    "header",
    ["", "Bearer wrong", f"Bearer {SECRET}x", f"Token {SECRET}", SECRET, f"bearer  {SECRET}"],
)
def test_cron_with_a_wrong_secret_is_401_in_the_envelope_and_runs_nothing(
    api_client, cron, due_slot, header
):
    response = api_client.post(URL, HTTP_AUTHORIZATION=header) if header else api_client.post(URL)

    due_slot.refresh_from_db()
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert response["WWW-Authenticate"] == 'Bearer realm="cron"'
    assert (due_slot.status, due_slot.last_check_at) == ("pending", None)


def test_cron_without_a_configured_secret_refuses_even_an_empty_bearer(api_client, cron, db):
    cron.CRON_SECRET = ""

    response = api_client.post(URL, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 401


def test_cron_with_the_right_secret_runs_one_tick(api_client, cron, due_slot):
    response = api_client.post(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}")

    due_slot.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {
        "checked": 1,
        "free": 1,
        "busy": 0,
        "errors": 0,
        "expired": 0,
        "calls": 1,
    }
    assert due_slot.status == "available"


def test_cron_answers_get_with_405(api_client, cron, db):
    response = api_client.get(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}")

    assert response.status_code == 405


def test_the_beat_entry_exists_every_minute_and_follows_disable_internal_crons(db, settings):
    entry = PeriodicTask.objects.get(name=monitoring.BEAT_TASK_NAME)
    assert (entry.task, entry.enabled, entry.interval.every, entry.interval.period) == (
        "waitlist.check_slots",
        True,
        1,
        "minutes",
    )
    before = PeriodicTasks.last_change()

    settings.DISABLE_INTERNAL_CRONS = True
    assert monitoring.sync_beat_entry() is False
    assert PeriodicTask.objects.get(name=monitoring.BEAT_TASK_NAME).enabled is False
    assert PeriodicTasks.last_change() != before  # a running beat reloads its schedule

    settings.DISABLE_INTERNAL_CRONS = False
    assert monitoring.sync_beat_entry() is True
    assert PeriodicTask.objects.get(name=monitoring.BEAT_TASK_NAME).enabled is True


def test_the_beat_task_does_nothing_in_external_cron_mode(cron, due_slot):
    cron.DISABLE_INTERNAL_CRONS = True
    tasks.check_slots.delay()
    due_slot.refresh_from_db()
    assert due_slot.last_check_at is None

    cron.DISABLE_INTERNAL_CRONS = False
    tasks.check_slots.delay()
    tasks.check_slots.delay()  # twice: one effect (the slot is no longer watched)
    due_slot.refresh_from_db()
    assert (due_slot.status, due_slot.last_result) == ("available", "free")
