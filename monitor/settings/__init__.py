"""The configuration: pydantic-settings models, loaded from a TOML file and ``MONITOR_*``
environment variables (``load_settings``).

``models`` declares the sections and ``Settings``; ``loading`` reads the file and words its
errors; ``types`` holds the value types (durations, timezones, target tables); ``env`` the
environment's variables and ``*_FILE`` secrets; ``schedules`` turns a portfolio's schedule
into a trigger. Callers import the names below from ``monitor.settings``.
"""

from __future__ import annotations

from monitor.settings.loading import load_settings
from monitor.settings.models import (
    ApiSettings,
    DatabaseSettings,
    HistorySettings,
    NotifyOverrides,
    NotifySettings,
    PlanSettings,
    PortfolioSettings,
    Schedule,
    Settings,
)

__all__ = [
    "ApiSettings",
    "DatabaseSettings",
    "HistorySettings",
    "NotifyOverrides",
    "NotifySettings",
    "PlanSettings",
    "PortfolioSettings",
    "Schedule",
    "Settings",
    "load_settings",
]
