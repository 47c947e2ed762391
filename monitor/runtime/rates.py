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


def foreign(holdings: Iterable[Holding], base: str | None) -> str | None:
    """The first currency held other than ``base``; None if there is none to convert."""
    if base is None:
        return None
    return next((h.currency for h in holdings if h.currency not in (None, base)), None)


def tick_rates(
    fx: FxSettings, holdings: Iterable[Holding], base: str | None, now: datetime
) -> RateTable | None:
    """The rates the tick converts with; None when it needs none. ``SourceError`` if they
    cannot be read, are stale, or no source is set to give them (naming the pair)."""
    currency = foreign(holdings, base)
    if currency is None:
        return None
    if fx.source is None:
        raise SourceError(
            "fx", f"no exchange rate for {currency}{base}: no [fx] source is set to give it"
        )
    rates = fetch_rates(fx.source, fx.format)
    if fx.max_age is not None:
        reason = stale_reason(rates, now.date(), fx.max_age)
        if reason is not None:
            raise SourceError(f"fx {fx.source.describe()}", reason)
    return rates


class TickRates:
    """A tick's rates, fetched once, when the first holdings in a currency other than the
    base come (a tick reads its accounts batch by batch), then kept for the rest."""

    def __init__(self, fx: FxSettings, base: str | None, now: datetime) -> None:
        self.fx, self.base, self.now = fx, base, now
        self.table: RateTable | None = None

    def of(self, holdings: Iterable[Holding]) -> RateTable | None:
        """The rates to convert ``holdings`` with; None while none has needed any."""
        if self.table is None:
            self.table = tick_rates(self.fx, holdings, self.base, self.now)
        return self.table
