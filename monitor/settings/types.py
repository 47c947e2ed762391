"""The types of setting values, each parsed and checked once: durations, timezones, target
tables, currencies and currency targets, a history retention.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
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
from monitor.domain.exposure import parse_currency_targets
from monitor.domain.numbers import currency_code
from monitor.domain.targets import Targets
from monitor.durations import LONGEST_DURATION, Duration, parse_duration
from monitor.errors import InputError

__all__ = ["LONGEST_DURATION", "Duration", "parse_duration"]

DAY = timedelta(days=1)


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


def check_currency(raw: object) -> str:
    try:
        return currency_code(raw, "")
    except InputError as error:
        raise ValueError(error.problem) from None


def check_currency_targets(raw: object) -> dict[str, Decimal]:
    if isinstance(raw, str):  # from the environment: '{"USD": 60, "EUR": 40}'
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"currency targets are not valid JSON: {error.msg}") from None
    if not isinstance(raw, dict):
        raise ValueError("currency targets must be a table of currency = percent")
    try:
        return parse_currency_targets(raw, "")
    except InputError as error:
        raise ValueError(error.problem) from None


# A three-letter ISO 4217 code, upper-cased: usd is USD.
CurrencyCode = Annotated[str, PlainValidator(check_currency)]
# {USD = 60, EUR = 40}: the share of the portfolio each currency should hold, summing to 100.
CurrencyTargetsSetting = Annotated[dict[str, Decimal], PlainValidator(check_currency_targets)]


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
