"""Properties of the adaptive check intervals (pure logic, no database)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from waitlist.intervals import interval_minutes, next_check

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
ahead = st.integers(min_value=1, max_value=60 * 24 * 120).map(lambda m: dt.timedelta(minutes=m))


def band(gap: dt.timedelta) -> int:
    return 60 if gap > dt.timedelta(hours=24) else 30 if gap > dt.timedelta(hours=6) else 10


def test_intervals_follow_the_design_bands():
    at = [dt.timedelta(days=3), dt.timedelta(hours=24, minutes=1), dt.timedelta(hours=24)]
    at += [dt.timedelta(hours=7), dt.timedelta(hours=6), dt.timedelta(minutes=5)]

    assert [interval_minutes(start=NOW + a, now=NOW) for a in at] == [60, 60, 30, 30, 10, 10]


@given(ahead)
def test_next_check_is_within_the_band_interval_and_never_past_the_start(gap):
    start = NOW + gap
    when, minutes = next_check(start=start, now=NOW)

    assert minutes == band(gap)
    assert NOW < when <= NOW + dt.timedelta(minutes=minutes)
    assert when <= max(start, NOW + dt.timedelta(minutes=1))


@given(ahead)
def test_checks_never_skip_into_a_tighter_band(gap):
    """Following the checks from any point: each gap is at most the interval in force when
    it begins, and a slot is checked no later than the moment it enters a tighter band."""
    start, now = NOW + gap, NOW
    while now < start:
        when, _ = next_check(start=start, now=now)
        assert when - now <= dt.timedelta(minutes=band(start - now))
        for boundary in (start - dt.timedelta(hours=24), start - dt.timedelta(hours=6)):
            assert not now < boundary < when
        now = when


@given(ahead, st.integers(min_value=1, max_value=240))
def test_an_override_is_used_as_is(gap, override):
    when, minutes = next_check(start=NOW + gap, now=NOW, override=override)

    assert minutes == override
    assert when == max(
        min(NOW + dt.timedelta(minutes=override), NOW + gap), NOW + dt.timedelta(minutes=1)
    )
