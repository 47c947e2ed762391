"""A portfolio's schedule: its settings (``Schedule``), its APScheduler trigger, and the
slot a tick belongs to.

Every replica must agree on the scheduled time of a tick, since (portfolio, scheduled time)
is the unique claim. Cron slots are fixed by the expression in its timezone; interval slots
are anchored at a fixed epoch rather than at the process's start: an interval of whole days
at midnight in its timezone (so daylight saving time moves it with the wall clock), any
other interval in UTC. Every trigger fires on its slots, even after a run off them (the
daemon's catch-up run at its start).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.settings.types import DAY, Schedule

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# How far back to look for the latest cron slot, widening until one is found.
CRON_LOOKBACKS = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=32),
    timedelta(days=367),
    timedelta(days=366 * 8),
)


class WallClockCronTrigger(CronTrigger):  # type: ignore[misc]
    """A cron schedule as cron runs it across daylight saving time.

    APScheduler fires a wall-clock time twice when clocks go back (01:30 EDT, then 01:30
    EST); cron fires a job of fixed hours once, and so does this: the second occurrence is
    skipped. A job of every hour (``*/20 * * * *``) keeps running through the repeated hour.
    A time that does not exist when clocks go forward (02:30) fires once, an hour later.
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        every_hour = any(f.name == "hour" and str(f) == "*" for f in self.fields)
        while fire is not None and not every_hour and is_repeated_wall_time(fire):
            # In UTC: arithmetic on a zoned time is wall-clock arithmetic, and drops the fold.
            fire = super().get_next_fire_time(None, fire.astimezone(UTC) + timedelta(seconds=1))
        return fire


def is_repeated_wall_time(moment: datetime) -> bool:
    """Whether ``moment`` is the second time its zone's clocks showed this wall time."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


class DaysTrigger(BaseTrigger):  # type: ignore[misc]
    """Every ``days`` days at midnight in ``timezone``, counting from 2000-01-01 there.

    A day is a calendar day, 23 or 25 hours long when clocks change, so the slot stays at
    midnight on the wall clock. A midnight that occurs twice is its first occurrence; one
    that does not occur (a zone changing its clocks at midnight) is that day's first moment.
    """

    def __init__(self, days: int, timezone: str) -> None:
        self.days = days
        self.zone = ZoneInfo(timezone)

    def slot_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.zone).astimezone(UTC).astimezone(self.zone)

    def latest(self, now: datetime) -> datetime:
        """The most recent slot at or before ``now``."""
        today = now.astimezone(self.zone).date()
        day = EPOCH.date() + (today - EPOCH.date()) // (self.days * DAY) * (self.days * DAY)
        return self.slot_of(day)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        slot = self.latest(previous_fire_time or now)
        if previous_fire_time is None and slot == now:
            return slot
        return self.slot_of(slot.date() + timedelta(days=self.days))

    def __repr__(self) -> str:
        return f"DaysTrigger(days={self.days}, timezone={self.zone.key!r})"


class SlotIntervalTrigger(IntervalTrigger):  # type: ignore[misc]
    """Every ``interval`` counted from ``EPOCH`` in UTC, each fire time a slot.

    APScheduler's interval trigger adds the interval to the previous fire time, and the
    daemon's first run is its catch-up at start, off the slots: every later run would then
    fire as far past its slot as the start was, up to a whole interval late (every 15
    minutes from a start at 12:14 ticks the 12:15 slot at 12:29), and a run delayed a little
    more would tick the next slot, which the run after it would then try again.
    """

    interval: timedelta  # set by IntervalTrigger

    def __init__(self, interval: timedelta) -> None:
        super().__init__(seconds=interval.total_seconds(), start_date=EPOCH, timezone=UTC)

    def latest(self, now: datetime) -> datetime:
        """The most recent slot at or before ``now``."""
        return EPOCH + (now - EPOCH) // self.interval * self.interval

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        """The slot after ``previous_fire_time``, or for a first run the slot at or after
        ``now``."""
        if previous_fire_time is not None:
            return self.latest(previous_fire_time) + self.interval
        latest = self.latest(now)
        return latest if latest == now else latest + self.interval


def trigger_for(schedule: Schedule, default_timezone: str) -> BaseTrigger:
    timezone = schedule.timezone or default_timezone
    if schedule.cron is not None:
        return WallClockCronTrigger.from_crontab(schedule.cron, timezone=timezone)
    assert schedule.every is not None  # the Schedule model guarantees one of the two
    if schedule.every % DAY == timedelta(0):
        return DaysTrigger(schedule.every // DAY, timezone)
    return SlotIntervalTrigger(schedule.every)


def latest_slot(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The most recent fire time at or before ``now`` (UTC), or None if there is none."""
    if isinstance(trigger, SlotIntervalTrigger | DaysTrigger):
        return trigger.latest(now).astimezone(UTC)
    for lookback in CRON_LOOKBACKS:
        fire: datetime | None = trigger.get_next_fire_time(None, now - lookback)
        latest: datetime | None = None
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
        if latest is not None:
            return latest.astimezone(UTC)
    return None


def period_of(trigger: BaseTrigger, now: datetime) -> timedelta:
    """The gap between the slot before ``now`` and the next one (for readiness bounds)."""
    if isinstance(trigger, IntervalTrigger):
        interval: timedelta = trigger.interval
        return interval
    previous = latest_slot(trigger, now)
    following: datetime | None = trigger.get_next_fire_time(previous, now + timedelta(seconds=1))
    if previous is None or following is None:
        return timedelta(days=366)
    return following.astimezone(UTC) - previous
