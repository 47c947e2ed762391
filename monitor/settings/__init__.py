"""The configuration: pydantic-settings models, loaded from a TOML file and ``MONITOR_*``
environment variables (``load_settings``).

``models`` declares ``Settings``, whose tables are in ``sections``; ``loading`` reads the
file and words its errors; ``env`` is where values come from (``MONITOR_*`` variables,
``*_FILE`` secrets, the file); ``types`` holds the value types (durations, timezones, target
tables); ``schedules`` a portfolio's schedule and its trigger; ``entries`` works out each
entry's settings once (``EntryConfig``). Callers import the names below from
``monitor.settings``.
"""

from __future__ import annotations

from monitor.settings.entries import EntryConfig
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings
from monitor.settings.sections import (
    ApiSettings,
    DatabaseSettings,
    HistorySettings,
    NotifyOverrides,
    NotifySettings,
    PlanSettings,
    PortfolioSettings,
)
from monitor.settings.types import Schedule

__all__ = [
    "ApiSettings",
    "DatabaseSettings",
    "EntryConfig",
    "HistorySettings",
    "NotifyOverrides",
    "NotifySettings",
    "PlanSettings",
    "PortfolioSettings",
    "Schedule",
    "Settings",
    "load_settings",
]
