"""A tick's exchange rates: fetched only when a holding is in a currency other than its
portfolio's base, and refused when older than ``fx.max_age``. Either failure is the tick's,
as a failing source's is (counted, then the stale-data alert)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from monitor.domain.fx import RateTable, stale_reason
from monitor.domain.holdings import Holding
from monitor.errors import SourceError
from monitor.settings.sections import FxSettings
from monitor.sources.fx import fetch_rates


def needs_rates(holdings: Iterable[Holding], base: str | None) -> bool:
    return base is not None and any(h.currency not in (None, base) for h in holdings)


def tick_rates(
    fx: FxSettings, holdings: Iterable[Holding], base: str | None, now: datetime
) -> RateTable | None:
    """The rates the tick converts with; None when it needs none, or no source is set (a
    holding to convert then fails the tick, naming its pair). ``SourceError`` if they
    cannot be read, or are stale."""
    if fx.source is None or not needs_rates(holdings, base):
        return None
    rates = fetch_rates(fx.source, fx.format)
    if fx.max_age is not None:
        reason = stale_reason(rates, now.date(), fx.max_age)
        if reason is not None:
            raise SourceError(f"fx {fx.source.describe()}", reason)
    return rates
