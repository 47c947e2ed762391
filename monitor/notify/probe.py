"""``notify test``: a test message through one portfolio entry's route, sent right away.

It skips the outbox on purpose: the point is to see, now, which targets take a message.
"""

from __future__ import annotations

from datetime import datetime

from monitor.notify.delivery import Route, TargetResult, deliver
from monitor.notify.routing import render_for
from monitor.settings import Settings


def send_test_message(
    settings: Settings, portfolio_id: str, *, now: datetime
) -> list[TargetResult]:
    """One result per target of the entry's route; a route that cannot be used at all (no
    targets, an unloadable URL, a missing Apprise config file) raises ``DeliveryError``."""
    entry = settings.require_portfolio(portfolio_id)
    notify = settings.entry_config(entry.id).notify
    payload = {
        "kind": "test",
        "portfolio_id": entry.id,
        "portfolio_name": entry.name,
        "taken_at": now.isoformat(),
        "timezone": settings.timezone,
    }
    return deliver(
        Route.from_settings(notify),
        render_for(payload, notify, public_url=settings.api.public_url),
        timeout=notify.timeout.total_seconds(),
    )
