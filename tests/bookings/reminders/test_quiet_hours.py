"""Quiet hours (pure): no text between 21:00 and 08:00 in the prospect's zone unless the
meeting is within 2 h; deferred to the end of the quiet hours, or skipped."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bookings.reminders.quiet import QuietHours, adjust

QUIET = QuietHours.parse("21:00-08:00", 120)
ZONES = ["Europe/Madrid", "America/New_York", "America/Lima", "Asia/Kolkata", "UTC"]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_outside_quiet_hours_goes_at_its_time() -> None:
    due = dt.datetime(2027, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert adjust(due, due + dt.timedelta(days=1), "Europe/Madrid", QUIET).due_at == due


def test_within_two_hours_of_the_meeting_goes_even_at_night() -> None:
    start = dt.datetime(2027, 3, 20, 7, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    due = start - dt.timedelta(hours=1)
    assert adjust(due, start, "Europe/Madrid", QUIET).due_at == due


def test_deferred_to_eight_local_across_the_madrid_spring_change() -> None:
    # 28 March 2027: Madrid jumps from 02:00 CET to 03:00 CEST. Due 23:00 CET the night
    # before; 08:00 the next morning is 06:00 UTC (CEST), not 07:00.
    start = dt.datetime(2027, 3, 28, 12, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    due = utc(2027, 3, 27, 22, 0)
    assert adjust(due, start, "Europe/Madrid", QUIET).due_at == utc(2027, 3, 28, 6, 0)


def test_deferred_to_eight_local_across_the_new_york_spring_change() -> None:
    # 14 March 2027: New York goes from EST (UTC-5) to EDT (UTC-4) at 02:00.
    start = dt.datetime(2027, 3, 14, 11, 0, tzinfo=ZoneInfo("America/New_York"))
    due = dt.datetime(2027, 3, 13, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert adjust(due, start, "America/New_York", QUIET).due_at == utc(2027, 3, 14, 12, 0)


def test_skipped_when_the_quiet_hours_last_until_the_meeting() -> None:
    start = dt.datetime(2027, 3, 20, 8, 30, tzinfo=ZoneInfo("America/Lima"))
    due = start - dt.timedelta(hours=6)  # 02:30, meeting 08:30: quiet ends at 08:00...
    assert adjust(due, start, "America/Lima", QUIET).due_at == start - dt.timedelta(minutes=30)
    start = dt.datetime(2027, 3, 20, 7, 30, tzinfo=ZoneInfo("America/Lima"))
    timing = adjust(start - dt.timedelta(hours=6), start, "America/Lima", QUIET)
    assert timing.skip_reason == "quiet hours until the meeting"


def test_empty_spec_means_no_quiet_hours() -> None:
    none = QuietHours.parse("", 120)
    due = utc(2027, 1, 1, 3, 0)
    assert adjust(due, due + dt.timedelta(days=1), "UTC", none).due_at == due


@given(
    due=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31)),
    lead=st.integers(min_value=5, max_value=60 * 24 * 30),
    zone=st.sampled_from(ZONES),
)
def test_a_text_never_goes_in_quiet_hours_unless_close_to_the_meeting(due, lead, zone) -> None:
    due = due.replace(tzinfo=dt.UTC)
    start = due + dt.timedelta(minutes=lead)
    timing = adjust(due, start, zone, QUIET)
    if timing.skip_reason:
        return
    local = timing.due_at.astimezone(ZoneInfo(zone)).time()
    assert timing.due_at >= due
    assert timing.due_at < start
    assert not QUIET.contains(local) or start - timing.due_at <= QUIET.exempt
    if timing.due_at != due:  # deferred: to the end of the quiet hours (or just past a gap)
        assert local >= dt.time(8) and local < dt.time(9)
