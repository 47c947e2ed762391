"""The types of setting values, each parsed and checked once: durations, timezones, target
tables, currencies and currency targets, a history retention.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, PlainSerializer, PlainValidator

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
