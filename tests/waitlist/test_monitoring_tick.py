"""The waitlist check tick against the in-memory calendar (the service's own fake):
adaptive intervals over simulated time, free and busy slots, expiry, idleness."""

import datetime as dt
import logging

import pytest
import time_machine
from django.utils import timezone

from integrations.calendar import fake
from tests.factories import CalendarConnectionFactory
from tests.waitlist.monitoring_helpers import google_config, watched_slot
from waitlist.models import WaitlistCalendarConfig, WaitlistEntry, WaitlistSlot
from waitlist.services import monitoring

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def calendar(settings):
    """The in-memory calendar every Google connection uses without Google settings."""
    settings.DEBUG = True
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    shared = fake.shared()
    shared.events.clear()
    shared.free_busy_calls.clear()
    yield shared
    shared.events.clear()
    shared.free_busy_calls.clear()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def busy(calendar, slot, calendar_id="primary"):
    return calendar.put_busy(calendar_id, slot.start, slot.end)


def test_tick_with_no_active_slot_makes_one_query_and_no_call(
    db, calendar, clock, django_assert_num_queries
):
    config = google_config()
    watched_slot(config, NOW - dt.timedelta(days=1), status=WaitlistSlot.Status.EXPIRED)
    watched_slot(config, NOW + dt.timedelta(days=1), status=WaitlistSlot.Status.FILLED)

    with django_assert_num_queries(1):
        report = monitoring.run_tick()

    assert report.as_dict() == monitoring.TickReport().as_dict()
    assert calendar.free_busy_calls == []


def test_slot_still_taken_is_checked_again_after_its_band_interval(db, calendar, clock):
    slot = watched_slot(google_config(), NOW + dt.timedelta(days=3))
    busy(calendar, slot)

    report = monitoring.run_tick()

    slot.refresh_from_db()
    assert (report.checked, report.busy, report.free, report.calls) == (1, 1, 0, 1)
    assert slot.status == WaitlistSlot.Status.MONITORING
    assert slot.last_result == WaitlistSlot.CheckResult.BUSY
    assert (slot.last_check_at, slot.next_check_at) == (NOW, NOW + dt.timedelta(minutes=60))
    assert slot.check_interval_minutes == 60


def test_slot_freed_on_the_calendar_is_marked_available_and_handed_over(
    db, calendar, clock, caplog
):
    config = google_config()
    slot = watched_slot(config, NOW + dt.timedelta(hours=5), waiting=3)
    first = slot.entries.get(priority=0)
    config.last_error = "old trouble"
    config.save()

    with caplog.at_level(logging.INFO, logger="waitlist.services.handoff"):
        report = monitoring.run_tick()

    slot.refresh_from_db()
    config.refresh_from_db()
    assert (report.checked, report.free, report.busy) == (1, 1, 0)
    assert (slot.status, slot.last_result) == ("available", "free")
    assert (slot.next_check_at, slot.last_check_at) == (None, NOW)
    assert (config.last_sync_at, config.last_error) == (NOW, "")
    assert f"entry {first.pk} is to be offered it" in caplog.text
    # Handed over once: the next tick no longer watches it.
    assert monitoring.run_tick().checked == 0


def test_adaptive_intervals_over_simulated_time(db, calendar, clock):
    """From 30 h ahead to the start: hourly beyond 24 h, every 30 min to 6 h, every 10 min
    after; between its checks a slot costs nothing; at its start it expires."""
    start = NOW + dt.timedelta(hours=30)
    slot = watched_slot(google_config(), start)
    busy(calendar, slot)
    gaps: dict[int, int] = {}
    previous = None

    while True:
        report = monitoring.run_tick()
        slot.refresh_from_db()
        if slot.status == WaitlistSlot.Status.EXPIRED:
            break
        assert report.checked == 1 and report.busy == 1
        ahead = start - timezone.now()
        if previous is not None:
            gap = int((timezone.now() - previous).total_seconds() // 60)
            gaps[gap] = gaps.get(gap, 0) + 1
            expected = (
                60
                if ahead >= dt.timedelta(hours=24)
                else 30
                if ahead >= dt.timedelta(hours=6)
                else 10
            )
            assert gap == expected, (ahead, gap)
        previous = timezone.now()
        clock.move_to(slot.next_check_at - dt.timedelta(minutes=1))
        assert monitoring.run_tick().checked == 0  # a minute early: not due
        clock.move_to(slot.next_check_at)

    assert gaps == {60: 6, 30: 36, 10: 35}  # 30 h → 24 h → 6 h → 10 min
    assert timezone.now() == start
    assert slot.next_check_at is None


def test_business_override_replaces_the_adaptive_interval(db, calendar, clock):
    slot = watched_slot(google_config(check_interval_minutes=15), NOW + dt.timedelta(days=3))
    busy(calendar, slot)

    monitoring.run_tick()

    slot.refresh_from_db()
    assert (slot.check_interval_minutes, slot.next_check_at) == (
        15,
        NOW + dt.timedelta(minutes=15),
    )


def test_past_slots_expire_with_their_entries_and_are_not_checked_again(
    db, calendar, clock, caplog, django_capture_on_commit_callbacks, django_assert_num_queries
):
    config = google_config()
    past = watched_slot(config, NOW - dt.timedelta(minutes=1), waiting=2)
    notified = past.entries.get(priority=1)
    notified.status = WaitlistEntry.Status.NOTIFIED
    notified.save()
    WaitlistEntry.objects.create(
        slot=past,
        first_name="Gone",
        phone="+51987000001",
        requested_slot=past.start,
        status=WaitlistEntry.Status.CANCELLED,
    )
    internal = watched_slot(None, NOW, waiting=1)  # our own bookings' slot: expires too

    with (
        caplog.at_level(logging.INFO, logger="waitlist.services.handoff"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = monitoring.run_tick()

    assert (report.expired, report.checked, report.calls) == (2, 0, 0)
    assert set(WaitlistSlot.objects.values_list("status", flat=True)) == {"expired"}
    assert sorted(past.entries.values_list("status", flat=True)) == [
        "cancelled",
        "expired",
        "expired",
    ]
    assert internal.entries.get().status == "expired"
    assert "3 entries expired with their slot" in caplog.text
    assert calendar.free_busy_calls == []
    with django_assert_num_queries(1):
        assert monitoring.run_tick().expired == 0


@pytest.mark.parametrize(
    "change",
    [
        {"provider": WaitlistCalendarConfig.Provider.INTERNAL},
        {"is_enabled": False},
        {"calendar_id": ""},
    ],
)
def test_slots_of_businesses_not_on_an_external_calendar_are_not_polled(
    db, calendar, clock, change
):
    config = google_config()
    WaitlistCalendarConfig.objects.filter(pk=config.pk).update(**change)
    slot = watched_slot(config, NOW + dt.timedelta(days=1))

    report = monitoring.run_tick()

    slot.refresh_from_db()
    assert (report.checked, slot.status, calendar.free_busy_calls) == (0, "pending", [])


def test_broken_connection_and_slots_nobody_waits_for_are_not_polled(db, calendar, clock):
    broken = google_config(CalendarConnectionFactory(status="broken"))
    watched_slot(broken, NOW + dt.timedelta(days=1))
    watched_slot(google_config(), NOW + dt.timedelta(days=1), waiting=0)

    assert monitoring.run_tick().checked == 0
    assert calendar.free_busy_calls == []


def test_a_claimed_slot_is_not_checked_twice_by_concurrent_ticks(db, calendar, clock):
    slot = watched_slot(google_config(), NOW + dt.timedelta(days=2))
    busy(calendar, slot)
    # What a tick that died after claiming leaves behind: the lease.
    due = monitoring._claim(NOW, 10, monitoring.TickReport())

    assert [s.pk for s in due] == [slot.pk]
    assert monitoring.run_tick().checked == 0
    clock.move_to(NOW + monitoring.LEASE)
    assert monitoring.run_tick().checked == 1


def test_one_call_per_account_for_all_its_calendars(db, calendar, clock):
    connection = CalendarConnectionFactory()
    configs = [google_config(connection, calendar_id=f"room-{n}") for n in range(3)]
    slots = [watched_slot(c, NOW + dt.timedelta(days=n + 1)) for n, c in enumerate(configs)]
    busy(calendar, slots[0], "room-0")
    other = watched_slot(google_config(), NOW + dt.timedelta(days=1))
    busy(calendar, other)

    report = monitoring.run_tick()

    assert (report.checked, report.busy, report.free, report.calls) == (4, 2, 2, 2)
    assert sorted(map(sorted, calendar.free_busy_calls)) == [
        ["primary"],
        ["room-0", "room-1", "room-2"],
    ]
