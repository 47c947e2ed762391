"""The types of setting values, each parsed and checked once: durations, timezones, target
tables, a history retention.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    model_validator,
)

from monitor.domain.allocation import parse_targets
from monitor.domain.targets import Targets
from monitor.errors import InputError

DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# Longer is no use (a cooldown, a schedule, a retention) and, added to a date, overflows.
LONGEST_DURATION = timedelta(days=36500)
DAY = timedelta(days=1)


def parse_duration(raw: object) -> object:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w``: always with a unit, in the file and in the
    environment alike (a bare ``400`` meant for days would otherwise be taken as seconds)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return raw  # a timedelta (the defaults); pydantic names anything else
    text = str(raw).strip()
    if BARE_NUMBER.match(text):
        raise ValueError(f"{text} needs a unit: {text}s, {text}m, {text}h, {text}d")
    match = DURATION.match(text)
    if not match:
        raise ValueError(f"{raw!r} is not a duration; write e.g. 90s, 30m, 24h or 7d")
    unit = timedelta(**{DURATION_UNITS[match[2]]: 1})
    if float(match[1]) * unit.total_seconds() > LONGEST_DURATION.total_seconds():
        raise ValueError(f"{text!r} is too long; at most 100 years (36500d)")
    return float(match[1]) * unit


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}; use an IANA name such as Europe/Paris"
        ) from None
    return name


Timezone = Annotated[str, BeforeValidator(check_timezone)]


def check_targets(raw: object) -> Targets:
    if isinstance(raw, Targets):
        return raw
    if isinstance(raw, str):  # from the environment: MONITOR_TARGETS='{"stocks": 60, ...}'
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"targets are not valid JSON: {error.msg}") from None
    if not isinstance(raw, dict):
        raise ValueError("targets must be a table of asset class = percent")
    try:
        return parse_targets(raw)
    except InputError as error:
        # The error's path is shown by the caller; keep only what is below "targets".
        below = error.field.removeprefix("targets").lstrip(".")
        raise ValueError(f"{below}: {error.problem}" if below else error.problem) from None


# Each class is a percent or a table with options (min, max, threshold, buy, fractional,
# children: sub-classes whose weights are shares of it).
TargetsSetting = Annotated[
    Targets,
    PlainValidator(check_targets),
    PlainSerializer(Targets.raw, return_type=dict[str, Any]),
]


SHORTEST_RETENTION = timedelta(days=1)


def check_retention(age: timedelta) -> timedelta:
    """A retention under a day is a slip (the latest snapshot alone would survive each day)."""
    if age < SHORTEST_RETENTION:
        raise ValueError(f"must be at least 1d, got {age}")
    return age


class Schedule(BaseModel):
    """When a portfolio ticks: ``cron`` (5 fields) or ``every`` (a duration), in a timezone.

    An ``every`` of whole days ticks at midnight in the timezone; a shorter one on slots
    anchored in UTC, so it takes no timezone of its own.
    """

    model_config = ConfigDict(extra="forbid")

    cron: str | None = None
    every: Duration | None = None
    timezone: Timezone | None = None  # defaults to the top-level timezone

    @model_validator(mode="after")
    def one_trigger(self) -> Schedule:
        if (self.cron is None) == (self.every is None):
            raise ValueError("a schedule takes exactly one of cron or every")
        if self.every is not None and self.every < timedelta(seconds=1):
            raise ValueError("every must be at least 1s")
        if self.every is not None and self.timezone is not None and self.every % DAY:
            # Shorter intervals run on slots anchored in UTC; a zone would change nothing.
            raise ValueError(
                "a timezone applies to cron, or to every of whole days (1d, 7d, 2w: midnight "
                "there); remove timezone, or write the times of day as cron"
            )
        if self.cron is not None:
            # Imported here: APScheduler is for the daemon; a command without a cron
            # schedule (``check``) need not load it.
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(self.cron, timezone=self.timezone or "UTC")
            except ValueError as error:
                raise ValueError(f"invalid cron expression {self.cron!r}: {error}") from None
        return self
