"""Where a portfolio entry's notifications go, and how they read, from settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from monitor.notify.delivery import Message
from monitor.notify.templates import render_message, render_title
from monitor.settings import NotifySettings, Settings


def has_route(notify: NotifySettings) -> bool:
    return bool(notify.urls or notify.apprise_config)


def templates_dir(notify: NotifySettings) -> Path | None:
    return Path(notify.templates_dir) if notify.templates_dir else None


def render_for(
    payload: Mapping[str, Any],
    notify: NotifySettings,
    *,
    alert_id: int | None = None,
    public_url: str | None = None,
) -> Message:
    """The message as the entry's settings shape it: its templates and digest length, and
    with ``public_url`` (``api.public_url``) links to the dashboard.

    Applied when the message is sent, not when it is decided: a row keeps what was decided
    (every account of a digest), and how it reads follows the current config.
    """
    return render_message(
        shaped(payload, notify, alert_id, public_url), templates_dir=templates_dir(notify)
    )


def message_title(payload: Mapping[str, Any], notify: NotifySettings) -> str:
    return render_title(shaped(payload, notify, None, None), templates_dir=templates_dir(notify))


def shaped(
    payload: Mapping[str, Any],
    notify: NotifySettings,
    alert_id: int | None,
    public_url: str | None,
) -> dict[str, Any]:
    found = dict(payload) | {"list_limit": notify.digest_limit}
    if alert_id is not None:
        # A digest names its alert id so the reader can ask for the full list.
        found["alert_id"] = alert_id
    if public_url is not None:
        portfolio = quote(str(payload.get("portfolio_id", "")), safe="/")
        found["portfolio_url"] = f"{public_url}/portfolios/{portfolio}"
        if alert_id is not None:
            found["alert_url"] = f"{public_url}/alerts/{alert_id}"
    return found


def notify_for_route(settings: Settings, route: str) -> NotifySettings:
    """The routing of the entry named ``route``; the ``[notify]`` defaults if it is gone
    from the config since the notification was decided."""
    entry = settings.portfolio(route)
    return settings.entry_config(entry.id).notify if entry is not None else settings.notify
