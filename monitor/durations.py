"""Durations as the config writes them (``90s``, ``30m``, ``24h``, ``7d``, ``2w``): shared by
the settings and the source kinds' options, which the settings import."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator

DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# Longer is no use (a cooldown, a schedule, a retention) and, added to a date, overflows.
LONGEST_DURATION = timedelta(days=36500)


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
