"""Exact expectations for the slot engine, one rule at a time, then DST and odd zones.

Slots are asserted as local wall-clock strings of the seller's zone, so a test reads like
the booking page a prospect in that zone would see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from zoneinfo import ZoneInfo

import pytest

from scheduling.engine import (
    DayOverride,
    Interval,
    MeetingRules,
    Reason,
    SellerCalendar,
    SlotExplanation,
    WeeklyRule,
    available_slots,
    explain_day,
)

MONDAY = dt.date(2026, 3, 2)
TUESDAY = dt.date(2026, 3, 3)
HALF_HOURS = MeetingRules(duration=30, slot_interval=30, max_days_ahead=365)
HOURS = MeetingRules(duration=60, slot_interval=60, max_days_ahead=365)


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def at(zone: str, text: str) -> dt.datetime:
    """An aware datetime from local wall-clock text in `zone` (fold=0)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def rule(weekday: int, start: str, end: str) -> WeeklyRule:
    return WeeklyRule(weekday, t(start), t(end))


def weekdays(start: str, end: str) -> tuple[WeeklyRule, ...]:
    return tuple(rule(day, start, end) for day in range(5))


def busy(zone: str, start: str, end: str) -> Interval:
    return Interval(at(zone, start), at(zone, end))


def calendar(
    rules: Iterable[WeeklyRule],
    *,
    zone: str = "UTC",
    overrides: Iterable[DayOverride] = (),
    busy: Iterable[Interval] = (),
    counted: Iterable[dt.datetime] = (),
    seller_id: Hashable = "ana",
) -> SellerCalendar:
    return SellerCalendar(
        seller_id=seller_id,
        timezone=zone,
        rules=tuple(rules),
        overrides=tuple(overrides),
        busy=tuple(busy),
        counted_starts=tuple(counted),
    )


def slots_on(
    sellers: SellerCalendar | list[SellerCalendar],
    meeting: MeetingRules,
    day: dt.date,
    *,
    days: int = 1,
    now: dt.datetime | None = None,
    fmt: str = "%H:%M",
) -> list[str]:
    """Slot starts over local `day` (+ `days` - 1) of the first seller's zone, as wall text.

    `now` defaults to a day before, so notice and the booking window stay out of the way.
    """
    team = sellers if isinstance(sellers, list) else [sellers]
    tz = ZoneInfo(team[0].timezone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(0), tzinfo=tz)
    now = now or start - dt.timedelta(days=1)
    found = available_slots(team, meeting, start, end, now)
    return [slot.astimezone(tz).strftime(fmt) for slot in found]


# --- working hours -------------------------------------------------------------------


def test_available_slots_weekly_hours_give_the_grid_from_the_rule_start() -> None:
    seller = calendar(weekdays("09:00", "12:00"))
    assert slots_on(seller, HALF_HOURS, MONDAY) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
    ]  # fmt: skip


def test_available_slots_meeting_longer_than_interval_must_fit_before_the_end() -> None:
    seller = calendar(weekdays("09:00", "11:00"))
    meeting = MeetingRules(duration=60, slot_interval=30)
    assert slots_on(seller, meeting, MONDAY) == ["09:00", "09:30", "10:00"]


def test_available_slots_grid_is_anchored_at_an_odd_rule_start() -> None:
    seller = calendar(weekdays("09:15", "11:00"))
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:15", "09:45", "10:15"]


def test_available_slots_several_intervals_in_a_day_each_start_their_own_grid() -> None:
    seller = calendar([rule(0, "09:00", "10:00"), rule(0, "13:20", "14:30")])
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:00", "09:30", "13:20", "13:50"]


def test_available_slots_overlapping_rules_merge_into_one_interval() -> None:
    seller = calendar([rule(0, "10:00", "11:30"), rule(0, "09:00", "10:15")])
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_available_slots_touching_rules_let_a_meeting_run_across_the_seam() -> None:
    seller = calendar([rule(0, "09:00", "10:00"), rule(0, "10:00", "11:00")])
    meeting = MeetingRules(duration=60, slot_interval=30)
    assert slots_on(seller, meeting, MONDAY) == ["09:00", "09:30", "10:00"]


def test_available_slots_day_without_rules_is_empty() -> None:
    seller = calendar(weekdays("09:00", "17:00"))
    assert slots_on(seller, HALF_HOURS, dt.date(2026, 3, 7), days=2) == []  # Sat + Sun


def test_available_slots_rule_ending_at_midnight_runs_to_the_end_of_the_day() -> None:
    seller = calendar([rule(0, "22:00", "00:00")])
    assert slots_on(seller, HALF_HOURS, MONDAY, days=2) == ["22:00", "22:30", "23:00", "23:30"]


def test_available_slots_window_bounds_are_start_inclusive_end_exclusive() -> None:
    seller = calendar(weekdays("09:00", "12:00"))
    found = available_slots(
        [seller],
        HALF_HOURS,
        at("UTC", "2026-03-02 10:00"),
        at("UTC", "2026-03-02 11:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    assert list(found) == [at("UTC", "2026-03-02 10:00"), at("UTC", "2026-03-02 10:30")]


def test_available_slots_keys_are_utc_and_values_are_id_tuples() -> None:
    seller = calendar([rule(0, "09:00", "10:00")], zone="Europe/Madrid", seller_id=7)
    found = available_slots(
        [seller],
        HOURS,
        at("UTC", "2026-03-02 00:00"),
        at("UTC", "2026-03-03 00:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    assert found == {dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC): (7,)}
    assert next(iter(found)).tzinfo is dt.UTC


def test_available_slots_lookup_accepts_any_zone_even_in_a_repeated_hour() -> None:
    seller = calendar(sunday_rule("01:00", "02:00"), zone="America/New_York")
    found = available_slots(
        [seller],
        HALF_HOURS,
        at("UTC", "2026-11-01 00:00"),
        at("UTC", "2026-11-02 00:00"),
        now=at("UTC", "2026-10-31 00:00"),
    )
    first_half_past_one = at("America/New_York", "2026-11-01 01:30")  # EDT, fold=0
    # PEP 495: this datetime never equals a UTC one, so a plain dict would miss it.
    assert first_half_past_one != first_half_past_one.astimezone(dt.UTC)
    assert first_half_past_one in found
    assert found[first_half_past_one] == ("ana",)
    assert found.get(first_half_past_one) == ("ana",)
    assert found.get(first_half_past_one.replace(fold=1)) is None  # 01:30 EST: not offered
    assert list(found) == [at("UTC", "2026-11-01 05:00"), at("UTC", "2026-11-01 05:30")]


# --- overrides -----------------------------------------------------------------------


def test_available_slots_whole_day_block_closes_only_that_date() -> None:
    seller = calendar(
        weekdays("09:00", "10:00"), overrides=[DayOverride(MONDAY, None, None, available=False)]
    )
    assert slots_on(seller, HALF_HOURS, MONDAY, days=2, fmt="%a %H:%M") == [
        "Tue 09:00",
        "Tue 09:30",
    ]


def test_available_slots_blocked_hours_cut_the_day_and_restart_the_grid_after_them() -> None:
    seller = calendar(
        weekdays("09:00", "12:00"),
        overrides=[DayOverride(MONDAY, t("10:00"), t("10:45"), available=False)],
    )
    # The remaining interval 10:45-12:00 has its own grid, like any working interval.
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:00", "09:30", "10:45", "11:15"]


def test_available_slots_available_override_replaces_the_weekly_hours() -> None:
    seller = calendar(
        weekdays("09:00", "17:00"),
        overrides=[DayOverride(MONDAY, t("18:00"), t("19:30"), available=True)],
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["18:00", "18:30", "19:00"]


def test_available_slots_available_override_opens_a_day_without_rules() -> None:
    saturday = dt.date(2026, 3, 7)
    seller = calendar(
        weekdays("09:00", "17:00"),
        overrides=[DayOverride(saturday, t("10:00"), t("11:00"), available=True)],
    )
    assert slots_on(seller, HALF_HOURS, saturday) == ["10:00", "10:30"]


def test_available_slots_several_available_overrides_replace_with_their_union() -> None:
    seller = calendar(
        weekdays("13:00", "17:00"),
        overrides=[
            DayOverride(MONDAY, t("08:30"), t("10:00"), available=True),
            DayOverride(MONDAY, t("08:00"), t("09:00"), available=True),
        ],
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["08:00", "08:30", "09:00", "09:30"]


def test_available_slots_blocked_hours_cut_replacement_hours_too() -> None:
    seller = calendar(
        weekdays("09:00", "17:00"),
        overrides=[
            DayOverride(MONDAY, t("10:00"), t("12:00"), available=True),
            DayOverride(MONDAY, t("10:30"), t("11:30"), available=False),
        ],
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["10:00", "11:30"]


def test_available_slots_whole_day_block_wins_over_replacement_hours() -> None:
    seller = calendar(
        weekdays("09:00", "17:00"),
        overrides=[
            DayOverride(MONDAY, t("10:00"), t("12:00"), available=True),
            DayOverride(MONDAY, None, None, available=False),
        ],
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == []


def test_available_slots_company_holiday_and_personal_override_both_apply() -> None:
    holiday = DayOverride(MONDAY, None, None, available=False)  # "for everyone"
    ana = calendar(
        weekdays("09:00", "10:00"),
        overrides=[holiday, DayOverride(TUESDAY, t("09:00"), t("09:30"), available=False)],
        seller_id="ana",
    )
    bo = calendar(weekdays("09:00", "10:00"), overrides=[holiday], seller_id="bo")
    found = available_slots(
        [bo, ana],
        HALF_HOURS,
        at("UTC", "2026-03-02 00:00"),
        at("UTC", "2026-03-04 00:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    assert found == {
        at("UTC", "2026-03-03 09:00"): ("bo",),
        at("UTC", "2026-03-03 09:30"): ("ana", "bo"),
    }


# --- busy time and buffers -----------------------------------------------------------


def test_available_slots_busy_time_removes_overlapping_slots_back_to_back_allowed() -> None:
    seller = calendar(
        weekdays("09:00", "12:00"), busy=[busy("UTC", "2026-03-02 10:00", "2026-03-02 10:30")]
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:00", "09:30", "10:30", "11:00", "11:30"]


def test_available_slots_partial_overlap_removes_the_slot() -> None:
    seller = calendar(
        weekdays("09:00", "12:00"), busy=[busy("UTC", "2026-03-02 10:29", "2026-03-02 10:31")]
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:00", "09:30", "11:00", "11:30"]


def test_available_slots_unsorted_overlapping_busy_intervals_all_count() -> None:
    seller = calendar(
        weekdays("09:00", "12:00"),
        busy=[
            busy("UTC", "2026-03-02 11:00", "2026-03-02 11:10"),
            busy("UTC", "2026-03-02 09:00", "2026-03-02 09:45"),
            busy("UTC", "2026-03-02 09:15", "2026-03-02 09:30"),
        ],
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["10:00", "10:30", "11:30"]


def test_available_slots_empty_busy_interval_blocks_nothing() -> None:
    seller = calendar(
        weekdays("09:00", "10:00"), busy=[busy("UTC", "2026-03-02 09:10", "2026-03-02 09:10")]
    )
    meeting = MeetingRules(duration=30, slot_interval=30, buffer_before=15, buffer_after=15)
    assert slots_on(seller, meeting, MONDAY) == ["09:00", "09:30"]


def test_available_slots_busy_boundaries_are_exact_to_the_microsecond() -> None:
    ten = at("UTC", "2026-03-02 10:00")
    micro = dt.timedelta(microseconds=1)
    ends_just_before = calendar(weekdays("10:00", "11:00"), busy=[Interval(ten - micro, ten)])
    ends_just_after = calendar(weekdays("10:00", "11:00"), busy=[Interval(ten, ten + micro)])
    assert slots_on(ends_just_before, HALF_HOURS, MONDAY) == ["10:00", "10:30"]
    assert slots_on(ends_just_after, HALF_HOURS, MONDAY) == ["10:30"]


def test_available_slots_buffers_keep_busy_time_away_from_the_meeting() -> None:
    seller = calendar(
        weekdays("09:00", "12:00"), busy=[busy("UTC", "2026-03-02 10:00", "2026-03-02 10:30")]
    )
    meeting = MeetingRules(duration=30, slot_interval=30, buffer_before=15, buffer_after=15)
    assert slots_on(seller, meeting, MONDAY) == ["09:00", "11:00", "11:30"]


def test_available_slots_buffers_touching_busy_time_are_allowed() -> None:
    seller = calendar(
        weekdays("09:00", "12:00"), busy=[busy("UTC", "2026-03-02 10:00", "2026-03-02 10:30")]
    )
    meeting = MeetingRules(duration=30, slot_interval=30, buffer_before=30, buffer_after=30)
    assert slots_on(seller, meeting, MONDAY) == ["09:00", "11:00", "11:30"]


def test_available_slots_buffers_may_reach_outside_working_hours() -> None:
    seller = calendar(weekdays("09:00", "10:00"))
    meeting = MeetingRules(duration=30, slot_interval=30, buffer_before=60, buffer_after=60)
    assert slots_on(seller, meeting, MONDAY) == ["09:00", "09:30"]


def test_available_slots_busy_time_in_another_tzinfo_is_compared_as_instants() -> None:
    seller = calendar(
        weekdays("09:00", "11:00"),
        busy=[busy("Asia/Kathmandu", "2026-03-02 15:45", "2026-03-02 16:15")],  # 10:00Z-10:30Z
    )
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:00", "09:30", "10:30"]


# --- minimum notice and booking window -----------------------------------------------


def test_available_slots_min_notice_drops_slots_starting_too_soon() -> None:
    seller = calendar(weekdays("09:00", "12:00"))
    meeting = MeetingRules(duration=30, slot_interval=30, min_notice=60)
    now = at("UTC", "2026-03-02 09:10")
    assert slots_on(seller, meeting, MONDAY, now=now) == ["10:30", "11:00", "11:30"]


def test_available_slots_min_notice_boundary_is_inclusive() -> None:
    seller = calendar(weekdays("09:00", "12:00"))
    meeting = MeetingRules(duration=30, slot_interval=30, min_notice=60)
    now = at("UTC", "2026-03-02 09:00")
    assert slots_on(seller, meeting, MONDAY, now=now) == ["10:00", "10:30", "11:00", "11:30"]


def test_available_slots_never_offers_the_past_without_notice() -> None:
    seller = calendar(weekdays("09:00", "12:00"))
    now = at("UTC", "2026-03-02 10:30")
    assert slots_on(seller, HALF_HOURS, MONDAY, now=now) == ["10:30", "11:00", "11:30"]


def test_available_slots_max_days_ahead_counts_local_dates_from_today() -> None:
    seller = calendar(weekdays("09:00", "10:00"))
    meeting = MeetingRules(duration=60, slot_interval=60, max_days_ahead=1)
    now = at("UTC", "2026-03-02 08:00")
    assert slots_on(seller, meeting, MONDAY, days=5, now=now, fmt="%a %H:%M") == [
        "Mon 09:00",
        "Tue 09:00",
    ]


def test_available_slots_max_days_ahead_zero_offers_today_in_the_seller_zone() -> None:
    # 12:00Z on Monday is already Tuesday 02:00 in Kiritimati (+14): "today" is Tuesday.
    seller = calendar(weekdays("09:00", "10:00"), zone="Pacific/Kiritimati")
    meeting = MeetingRules(duration=60, slot_interval=60, max_days_ahead=0)
    now = at("UTC", "2026-03-02 12:00")
    assert slots_on(seller, meeting, MONDAY, days=4, now=now, fmt="%a %H:%M") == ["Tue 09:00"]


# --- daily and weekly limits ---------------------------------------------------------


def test_available_slots_daily_limit_counts_bookings_on_the_seller_local_date() -> None:
    # 03:00Z Tuesday is Monday 22:00 in New York: it fills Monday, not Tuesday.
    seller = calendar(
        weekdays("09:00", "10:00"),
        zone="America/New_York",
        counted=[at("UTC", "2026-03-03 03:00")],
    )
    meeting = MeetingRules(duration=60, slot_interval=60, daily_limit=1)
    assert slots_on(seller, meeting, MONDAY, days=2, fmt="%a %H:%M") == ["Tue 09:00"]


def test_available_slots_daily_limit_below_the_count_keeps_the_day() -> None:
    seller = calendar(weekdays("09:00", "10:00"), counted=[at("UTC", "2026-03-02 12:00")])
    meeting = MeetingRules(duration=60, slot_interval=60, daily_limit=2)
    assert slots_on(seller, meeting, MONDAY, days=2, fmt="%a %H:%M") == ["Mon 09:00", "Tue 09:00"]


def test_available_slots_daily_limit_zero_closes_every_day() -> None:
    seller = calendar(weekdays("09:00", "10:00"))
    meeting = MeetingRules(duration=60, slot_interval=60, daily_limit=0)
    assert slots_on(seller, meeting, MONDAY, days=3) == []


def test_available_slots_weekly_limit_closes_the_rest_of_the_iso_week() -> None:
    seller = calendar(
        weekdays("09:00", "10:00"),
        counted=[at("UTC", "2026-03-02 09:00"), at("UTC", "2026-03-03 09:00")],
    )
    meeting = MeetingRules(duration=60, slot_interval=60, weekly_limit=2)
    # Mon 2 - Sun 8 March is ISO week 10; Monday 9 March starts week 11.
    now = at("UTC", "2026-03-01 00:00")
    assert slots_on(seller, meeting, MONDAY, days=8, now=now, fmt="%d %H:%M") == ["09 09:00"]


def test_available_slots_weekly_limit_uses_the_seller_local_week() -> None:
    # 02:00Z Monday 9 March is still Sunday 8 March in New York: it counts for week 10.
    seller = calendar(
        weekdays("09:00", "10:00"),
        zone="America/New_York",
        counted=[at("UTC", "2026-03-09 02:00")],
    )
    meeting = MeetingRules(duration=60, slot_interval=60, weekly_limit=1)
    now = at("UTC", "2026-03-01 00:00")
    found = slots_on(seller, meeting, dt.date(2026, 3, 6), days=4, now=now, fmt="%d %H:%M")
    assert found == ["09 09:00"]


# --- teams ---------------------------------------------------------------------------


def test_available_slots_team_is_the_union_with_the_free_sellers_listed() -> None:
    ana = calendar(
        [rule(0, "09:00", "11:00")],
        busy=[busy("UTC", "2026-03-02 09:30", "2026-03-02 10:00")],
        seller_id="ana",
    )
    bo = calendar([rule(0, "10:00", "12:00")], seller_id="bo")
    found = available_slots(
        [bo, ana],
        HALF_HOURS,
        at("UTC", "2026-03-02 00:00"),
        at("UTC", "2026-03-03 00:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    assert found == {
        at("UTC", "2026-03-02 09:00"): ("ana",),
        at("UTC", "2026-03-02 10:00"): ("ana", "bo"),
        at("UTC", "2026-03-02 10:30"): ("ana", "bo"),
        at("UTC", "2026-03-02 11:00"): ("bo",),
        at("UTC", "2026-03-02 11:30"): ("bo",),
    }


def test_available_slots_team_across_zones_merges_by_instant() -> None:
    madrid = calendar([rule(0, "10:00", "11:00")], zone="Europe/Madrid", seller_id=2)
    kathmandu = calendar([rule(0, "14:45", "15:45")], zone="Asia/Kathmandu", seller_id=10)
    found = available_slots(
        [kathmandu, madrid],
        HOURS,
        at("UTC", "2026-03-02 00:00"),
        at("UTC", "2026-03-03 00:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    # Both are 09:00Z; integer ids are listed in numeric order (2 before 10).
    assert found == {at("UTC", "2026-03-02 09:00"): (2, 10)}


def test_available_slots_ids_of_mixed_types_are_ordered_by_type_then_text() -> None:
    sellers = [calendar([rule(0, "09:00", "10:00")], seller_id=sid) for sid in ("b", 3, "a")]
    found = available_slots(
        sellers,
        HOURS,
        at("UTC", "2026-03-02 00:00"),
        at("UTC", "2026-03-03 00:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    assert found == {at("UTC", "2026-03-02 09:00"): (3, "a", "b")}


def test_available_slots_no_sellers_gives_nothing() -> None:
    found = available_slots(
        [], HOURS, at("UTC", "2026-03-02 00:00"), at("UTC", "2026-03-03 00:00"), now=MONDAY_0
    )
    assert found == {}


MONDAY_0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def test_available_slots_duplicate_seller_ids_are_refused() -> None:
    seller = calendar(weekdays("09:00", "10:00"))
    with pytest.raises(ValueError, match="seller_id"):
        available_slots([seller, seller], HOURS, MONDAY_0, MONDAY_0 + dt.timedelta(1), MONDAY_0)


def test_available_slots_naive_datetimes_are_refused() -> None:
    seller = calendar(weekdays("09:00", "10:00"))
    naive = dt.datetime(2026, 3, 2)
    with pytest.raises(ValueError, match="window_start"):
        available_slots([seller], HOURS, naive, MONDAY_0 + dt.timedelta(1), MONDAY_0)


# --- value checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: WeeklyRule(7, t("09:00"), t("10:00")),
        lambda: WeeklyRule(0, t("10:00"), t("09:00")),
        lambda: WeeklyRule(0, t("10:00"), t("10:00")),
        lambda: WeeklyRule(0, dt.time(9, 0, 0, 5), t("10:00")),
        lambda: DayOverride(MONDAY, None, None, available=True),
        lambda: DayOverride(MONDAY, t("09:00"), None, available=False),
        lambda: Interval(at("UTC", "2026-03-02 10:00"), at("UTC", "2026-03-02 09:00")),
        lambda: Interval(dt.datetime(2026, 3, 2), at("UTC", "2026-03-02 09:00")),
        lambda: MeetingRules(duration=0, slot_interval=30),
        lambda: MeetingRules(duration=30, slot_interval=30, buffer_after=-5),
        lambda: MeetingRules(duration=30, slot_interval=30, daily_limit=-1),
    ],
)
def test_values_invalid_input_raises_value_error(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_seller_calendar_unknown_zone_raises() -> None:
    with pytest.raises(KeyError):  # ZoneInfoNotFoundError is a KeyError
        calendar([], zone="Mars/Olympus_Mons")


# --- DST and odd zones ---------------------------------------------------------------

WITH_OFFSET = "%H:%M%z"


def sunday_rule(start: str, end: str) -> list[WeeklyRule]:
    return [rule(6, start, end)]


def test_available_slots_new_york_spring_gap_is_skipped() -> None:
    seller = calendar(sunday_rule("01:00", "04:00"), zone="America/New_York")
    day = dt.date(2026, 3, 8)
    assert slots_on(seller, HALF_HOURS, day, fmt=WITH_OFFSET) == [
        "01:00-0500", "01:30-0500", "03:00-0400", "03:30-0400",
    ]  # fmt: skip
    hour_long = MeetingRules(duration=60, slot_interval=30)
    # 01:30 EST + 1 h = 03:30 EDT; 03:30 EDT + 1 h passes 04:00.
    assert slots_on(seller, hour_long, day, fmt=WITH_OFFSET) == [
        "01:00-0500", "01:30-0500", "03:00-0400",
    ]  # fmt: skip


def test_available_slots_new_york_fall_back_offers_the_repeated_hour_once() -> None:
    seller = calendar(sunday_rule("01:00", "04:00"), zone="America/New_York")
    assert slots_on(seller, HALF_HOURS, dt.date(2026, 11, 1), fmt=WITH_OFFSET) == [
        "01:00-0400", "01:30-0400", "02:00-0500", "02:30-0500", "03:00-0500", "03:30-0500",
    ]  # fmt: skip


def test_available_slots_hours_starting_in_the_repeated_hour_run_through_it() -> None:
    # 01:15 EDT to 02:00 EST is 1 h 45 min of real time: the clock shows 01:00-01:15 again
    # in between, and the seller works on through it.
    seller = calendar(sunday_rule("01:15", "02:00"), zone="America/New_York")
    meeting = MeetingRules(duration=90, slot_interval=15)
    assert slots_on(seller, meeting, dt.date(2026, 11, 1), fmt=WITH_OFFSET) == [
        "01:15-0400",
        "01:30-0400",
    ]


def test_available_slots_new_york_office_hours_stay_local_on_both_dst_days() -> None:
    seller = calendar(sunday_rule("09:00", "17:00"), zone="America/New_York")
    for day in (dt.date(2026, 3, 8), dt.date(2026, 11, 1)):
        found = slots_on(seller, HOURS, day)
        assert found == [f"{hour:02d}:00" for hour in range(9, 17)]


def test_available_slots_span_ending_in_the_gap_ends_when_clocks_jump() -> None:
    seller = calendar(sunday_rule("00:00", "02:30"), zone="America/New_York")
    meeting = MeetingRules(duration=60, slot_interval=30)
    assert slots_on(seller, meeting, dt.date(2026, 3, 8), fmt=WITH_OFFSET) == [
        "00:00-0500", "00:30-0500", "01:00-0500",
    ]  # fmt: skip


def test_available_slots_span_starting_in_the_gap_keeps_its_grid() -> None:
    seller = calendar(sunday_rule("02:30", "05:00"), zone="America/New_York")
    # Grid 02:30 (skipped), 03:30, 04:30; the span really starts at 03:00 EDT.
    assert slots_on(seller, HOURS, dt.date(2026, 3, 8), fmt=WITH_OFFSET) == ["03:30-0400"]


def test_available_slots_madrid_spring_forward() -> None:
    seller = calendar(sunday_rule("00:00", "06:00"), zone="Europe/Madrid")
    assert slots_on(seller, HOURS, dt.date(2026, 3, 29), fmt=WITH_OFFSET) == [
        "00:00+0100", "01:00+0100", "03:00+0200", "04:00+0200", "05:00+0200",
    ]  # fmt: skip


def test_available_slots_madrid_fall_back() -> None:
    seller = calendar(sunday_rule("00:00", "06:00"), zone="Europe/Madrid")
    assert slots_on(seller, HOURS, dt.date(2026, 10, 25), fmt=WITH_OFFSET) == [
        "00:00+0200", "01:00+0200", "02:00+0200", "03:00+0100", "04:00+0100", "05:00+0100",
    ]  # fmt: skip


def test_available_slots_sao_paulo_has_no_dst_now() -> None:
    seller = calendar([rule(0, "09:00", "11:00")], zone="America/Sao_Paulo")
    found = available_slots(
        [seller],
        HOURS,
        at("UTC", "2026-11-02 00:00"),
        at("UTC", "2026-11-03 00:00"),
        now=at("UTC", "2026-11-01 00:00"),
    )
    assert list(found) == [at("UTC", "2026-11-02 12:00"), at("UTC", "2026-11-02 13:00")]


def test_available_slots_sao_paulo_2018_day_starting_at_one_after_a_midnight_gap() -> None:
    # On 2018-11-04 Sao Paulo jumped from 00:00 to 01:00: the day had no midnight.
    seller = calendar(sunday_rule("00:00", "03:00"), zone="America/Sao_Paulo")
    now = at("UTC", "2018-11-01 00:00")
    assert slots_on(seller, HOURS, dt.date(2018, 11, 4), now=now, fmt=WITH_OFFSET) == [
        "01:00-0200",
        "02:00-0200",
    ]


def test_available_slots_lord_howe_half_hour_spring_forward() -> None:
    seller = calendar(sunday_rule("01:00", "04:00"), zone="Australia/Lord_Howe")
    assert slots_on(seller, HALF_HOURS, dt.date(2026, 10, 4), fmt=WITH_OFFSET) == [
        "01:00+1030", "01:30+1030", "02:30+1100", "03:00+1100", "03:30+1100",
    ]  # fmt: skip


def test_available_slots_lord_howe_half_hour_fall_back() -> None:
    seller = calendar(sunday_rule("01:00", "03:00"), zone="Australia/Lord_Howe")
    assert slots_on(seller, HALF_HOURS, dt.date(2026, 4, 5), fmt=WITH_OFFSET) == [
        "01:00+1100", "01:30+1100", "02:00+1030", "02:30+1030",
    ]  # fmt: skip


def test_available_slots_kathmandu_quarter_hour_offset() -> None:
    seller = calendar([rule(0, "09:00", "11:00")], zone="Asia/Kathmandu")
    found = available_slots(
        [seller],
        HALF_HOURS,
        at("UTC", "2026-03-02 00:00"),
        at("UTC", "2026-03-03 00:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    assert [slot.strftime("%H:%M") for slot in found] == ["03:15", "03:45", "04:15", "04:45"]
    assert slots_on(seller, HALF_HOURS, MONDAY) == ["09:00", "09:30", "10:00", "10:30"]


def test_available_slots_kiritimati_monday_morning_is_sunday_in_utc() -> None:
    seller = calendar([rule(0, "09:00", "10:00")], zone="Pacific/Kiritimati")
    found = available_slots(
        [seller],
        HOURS,
        at("UTC", "2026-03-01 00:00"),
        at("UTC", "2026-03-03 00:00"),
        now=at("UTC", "2026-02-25 00:00"),
    )
    assert list(found) == [at("UTC", "2026-03-01 19:00")]
    assert slots_on(seller, HOURS, MONDAY, fmt="%a %H:%M%z") == ["Mon 09:00+1400"]


def test_available_slots_pago_pago_monday_evening_is_tuesday_in_utc() -> None:
    seller = calendar([rule(0, "20:00", "22:00")], zone="Pacific/Pago_Pago")
    found = available_slots(
        [seller],
        HOURS,
        at("UTC", "2026-03-02 00:00"),
        at("UTC", "2026-03-04 00:00"),
        now=at("UTC", "2026-03-01 00:00"),
    )
    assert list(found) == [at("UTC", "2026-03-03 07:00"), at("UTC", "2026-03-03 08:00")]
    assert slots_on(seller, HOURS, MONDAY, fmt="%a %H:%M%z") == ["Mon 20:00-1100", "Mon 21:00-1100"]


def test_available_slots_dublin_spring_forward() -> None:
    seller = calendar(sunday_rule("00:00", "03:00"), zone="Europe/Dublin")
    assert slots_on(seller, HOURS, dt.date(2026, 3, 29), fmt=WITH_OFFSET) == [
        "00:00+0000",
        "02:00+0100",
    ]


def test_available_slots_dublin_fall_back() -> None:
    seller = calendar(sunday_rule("00:00", "03:00"), zone="Europe/Dublin")
    assert slots_on(seller, HOURS, dt.date(2026, 10, 25), fmt=WITH_OFFSET) == [
        "00:00+0100",
        "01:00+0100",
        "02:00+0000",
    ]


# --- explain_day ---------------------------------------------------------------------


def reasons(explained: list[SlotExplanation], fmt: str = "%H:%M") -> dict[str, str | None]:
    return {entry.start.strftime(fmt): entry.reason for entry in explained}


def test_explain_day_names_the_first_reason_for_every_candidate() -> None:
    seller = calendar(
        [rule(0, "08:00", "13:00")],
        overrides=[DayOverride(MONDAY, t("12:00"), t("13:00"), available=False)],
        busy=[busy("UTC", "2026-03-02 10:00", "2026-03-02 10:30")],
    )
    meeting = MeetingRules(duration=60, slot_interval=60, buffer_after=30, min_notice=60)
    found = reasons(explain_day(seller, meeting, MONDAY, now=at("UTC", "2026-03-02 07:30")))
    expected: dict[str, str | None] = {f"{hour:02d}:00": "outside_hours" for hour in range(24)}
    expected.update(
        {
            "08:00": "notice",  # before 07:30 + 60 min
            "09:00": "buffer",  # 09:00-10:00 is free, its 30-min buffer is not
            "10:00": "busy",
            "11:00": None,
            "12:00": "override",  # weekly hours offer it, blocked hours remove it
        }
    )
    assert found == expected


def test_explain_day_adds_the_working_grid_to_the_midnight_grid() -> None:
    seller = calendar([rule(0, "09:15", "10:45")])
    meeting = MeetingRules(duration=30, slot_interval=60)
    explained = explain_day(seller, meeting, MONDAY, now=at("UTC", "2026-03-01 00:00"))
    found = reasons(explained)
    assert [wall for wall, reason in found.items() if reason is None] == ["09:15", "10:15"]
    assert list(found)[8:12] == ["08:00", "09:00", "09:15", "10:00"]
    assert found["09:00"] == "outside_hours"
    assert len(explained) == 26


def test_explain_day_window_and_limits() -> None:
    seller = calendar(weekdays("09:00", "10:00"), counted=[at("UTC", "2026-03-02 09:00")])
    now = at("UTC", "2026-03-01 00:00")

    def reason_at_nine(meeting: MeetingRules, day: dt.date) -> str | None:
        return reasons(explain_day(seller, meeting, day, now))["09:00"]

    assert reason_at_nine(MeetingRules(60, 60, max_days_ahead=0), MONDAY) == "window"
    assert reason_at_nine(MeetingRules(60, 60, daily_limit=1), MONDAY) == "daily_limit"
    assert reason_at_nine(MeetingRules(60, 60, daily_limit=1), TUESDAY) is None
    assert reason_at_nine(MeetingRules(60, 60, weekly_limit=1), TUESDAY) == "weekly_limit"


def test_explain_day_marks_the_skipped_hour_as_a_dst_gap() -> None:
    seller = calendar(sunday_rule("01:00", "04:00"), zone="America/New_York")
    explained = explain_day(seller, HALF_HOURS, dt.date(2026, 3, 8), at("UTC", "2026-03-01 00:00"))
    found = reasons(explained)
    assert {wall: found[wall] for wall in ("01:30", "02:00", "02:30", "03:00")} == {
        "01:30": None,
        "02:00": Reason.DST_GAP,
        "02:30": Reason.DST_GAP,
        "03:00": None,
    }
    assert len(explained) == 48  # every wall-clock half hour once, skipped ones included


def test_explain_day_override_reason_for_hours_replaced_away() -> None:
    seller = calendar(
        weekdays("09:00", "11:00"),
        overrides=[DayOverride(MONDAY, t("14:00"), t("15:00"), available=True)],
    )
    found = reasons(explain_day(seller, HOURS, MONDAY, at("UTC", "2026-03-01 00:00")))
    assert (found["09:00"], found["10:00"], found["14:00"], found["16:00"]) == (
        "override",
        "override",
        None,
        "outside_hours",
    )


def test_reason_vocabulary_is_the_agreed_strings() -> None:
    assert [reason.value for reason in Reason] == [
        "dst_gap", "outside_hours", "override", "busy", "buffer",
        "notice", "window", "daily_limit", "weekly_limit",
    ]  # fmt: skip
