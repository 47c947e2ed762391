"""Schedule slots: every replica computes the same scheduled time, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.settings import Schedule
from monitor.settings.schedules import latest_slot, period_of, trigger_for

NY = "America/New_York"


def test_interval_slots_are_anchored_not_relative_to_start() -> None:
    trigger = trigger_for(Schedule(every=timedelta(minutes=15)), "UTC")
    now = datetime(2026, 11, 24, 18, 7, 31, tzinfo=UTC)
    assert latest_slot(trigger, now) == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def test_an_interval_fires_on_its_slots_after_a_catch_up_run_off_them() -> None:
    trigger = trigger_for(Schedule(every=timedelta(minutes=15)), "UTC")
    catch_up = datetime(2026, 11, 24, 12, 14, 59, tzinfo=UTC)  # the daemon's start
    following = trigger.get_next_fire_time(catch_up, catch_up)
    assert following == datetime(2026, 11, 24, 12, 15, tzinfo=UTC)
    assert trigger.get_next_fire_time(following, following) == following + timedelta(minutes=15)


def test_an_interval_first_fires_on_the_slot_at_or_after_now() -> None:
    trigger = trigger_for(Schedule(every=timedelta(minutes=15)), "UTC")
    slot = datetime(2026, 11, 24, 12, 15, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, slot - timedelta(minutes=7)) == slot
    assert trigger.get_next_fire_time(None, slot) == slot


def test_a_slot_exactly_now_is_the_latest_slot() -> None:
    trigger = trigger_for(Schedule(every=timedelta(seconds=1)), "UTC")
    now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC)
    assert latest_slot(trigger, now) == now


def test_cron_slot_is_the_last_weekday_evening_in_its_timezone() -> None:
    trigger = trigger_for(Schedule(cron="0 18 * * mon-fri", timezone=NY), "UTC")
    saturday_noon = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    # Friday 18:00 in New York (EST, UTC-5) is 23:00 UTC.
    assert latest_slot(trigger, saturday_noon) == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)


def test_cron_slots_follow_daylight_saving_time() -> None:
    trigger = trigger_for(Schedule(cron="0 18 * * *", timezone=NY), "UTC")
    summer = latest_slot(trigger, datetime(2026, 7, 2, 0, 0, tzinfo=UTC))
    winter = latest_slot(trigger, datetime(2026, 12, 2, 0, 0, tzinfo=UTC))
    assert summer == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)  # EDT, UTC-4
    assert winter == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # EST, UTC-5


def test_cron_uses_the_top_level_timezone_by_default() -> None:
    trigger = trigger_for(Schedule(cron="30 9 * * *"), "Europe/Paris")
    slot = latest_slot(trigger, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert slot == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)


def test_a_yearly_cron_finds_last_years_slot() -> None:
    trigger = trigger_for(Schedule(cron="0 0 1 1 *"), "UTC")
    slot = latest_slot(trigger, datetime(2026, 11, 24, tzinfo=UTC))
    assert slot == datetime(2026, 1, 1, tzinfo=UTC)


def test_period_of_a_weekday_cron_is_a_day_midweek() -> None:
    trigger = trigger_for(Schedule(cron="0 18 * * mon-fri", timezone=NY), "UTC")
    assert period_of(trigger, datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) == timedelta(days=1)


def test_a_daily_interval_in_new_york_ticks_at_new_york_midnight_all_year() -> None:
    trigger = trigger_for(Schedule(every=timedelta(days=1), timezone=NY), "UTC")
    winter = latest_slot(trigger, datetime(2026, 11, 25, 4, 59, tzinfo=UTC))  # 23:59 EST
    summer = latest_slot(trigger, datetime(2026, 7, 2, 4, 0, tzinfo=UTC))  # 00:00 EDT
    assert winter == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert summer == datetime(2026, 7, 2, 4, 0, tzinfo=UTC)


def test_a_daily_interval_stays_at_midnight_across_the_clock_changes() -> None:
    trigger = trigger_for(Schedule(every=timedelta(days=1), timezone=NY), "UTC")
    spring = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # clocks went forward at 02:00
    autumn = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # and back at 02:00
    assert (latest_slot(trigger, spring), period_of(trigger, spring)) == (
        datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
        timedelta(hours=23),
    )
    assert (latest_slot(trigger, autumn), period_of(trigger, autumn)) == (
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
        timedelta(hours=25),
    )


def test_the_scheduler_fires_a_daily_interval_on_the_slots_latest_slot_names() -> None:
    trigger = trigger_for(Schedule(every=timedelta(days=1), timezone=NY), "UTC")
    now = datetime(2026, 3, 7, 18, 0, tzinfo=UTC)
    fires = [trigger.get_next_fire_time(None, now)]
    for _ in range(2):
        fires.append(trigger.get_next_fire_time(fires[-1], fires[-1]))
    assert [fire.astimezone(UTC) for fire in fires] == [
        datetime(2026, 3, 8, 5, 0, tzinfo=UTC),  # EST
        datetime(2026, 3, 9, 4, 0, tzinfo=UTC),  # EDT: 23 hours later
        datetime(2026, 3, 10, 4, 0, tzinfo=UTC),
    ]
    assert all(latest_slot(trigger, fire) == fire for fire in fires)


def test_a_two_week_interval_counts_from_2000_01_01_whenever_it_is_asked() -> None:
    trigger = trigger_for(Schedule(every=timedelta(weeks=2), timezone=NY), "UTC")
    slots = {
        latest_slot(trigger, datetime(2026, 11, 14, 5, 0, tzinfo=UTC) + timedelta(hours=hours))
        for hours in range(0, 14 * 24, 7)
    }
    # 2026-11-14 is 9,814 days (701 fortnights) after 2000-01-01.
    assert slots == {datetime(2026, 11, 14, 5, 0, tzinfo=UTC)}


def test_a_daily_interval_without_a_timezone_follows_the_top_level_one() -> None:
    trigger = trigger_for(Schedule(every=timedelta(days=1)), "Europe/Paris")
    slot = latest_slot(trigger, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert slot == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def test_a_daily_interval_in_utc_keeps_the_slots_it_had() -> None:
    trigger = trigger_for(Schedule(every=timedelta(days=1)), "UTC")
    slot = latest_slot(trigger, datetime(2026, 11, 24, 18, 7, tzinfo=UTC))
    assert slot == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
