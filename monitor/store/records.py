"""What the store's read functions return: small frozen values, never ORM objects.

Callers can keep these past their session and pass them between threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from monitor.domain.allocation import Holding
from monitor.domain.attribution import Valuation
from monitor.domain.fx import Rate


@dataclass(frozen=True, slots=True)
class PortfolioRecord:
    id: str
    name: str
    parent_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClassRecord:
    asset_class: str
    current_value: Decimal
    current_percent: Decimal
    target_percent: Decimal
    target_value: Decimal
    difference: Decimal
    drift: Decimal
    breach: str | None

    @property
    def needs_rebalancing(self) -> bool:
        return self.breach is not None


@dataclass(frozen=True, slots=True)
class HoldingRecord:
    symbol: str
    asset_class: str
    value: Decimal
    quantity: Decimal | None
    price: Decimal | None
    currency: str | None = None  # None: the snapshot's base currency
    native_value: Decimal | None = None  # its value in ``currency``, when converted


@dataclass(frozen=True, slots=True)
class CurrencyRecord:
    """A snapshot's share in one currency (see ``domain.reports.CurrencyExposure``)."""

    currency: str
    value: Decimal
    native_value: Decimal
    percent: Decimal
    target_percent: Decimal | None
    drift: Decimal | None
    breach: str | None


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    id: int
    portfolio_id: str
    tick_id: int | None
    taken_at: datetime
    portfolio_value: Decimal
    holdings_value: Decimal
    unallocated_value: Decimal
    total_drift: Decimal
    worst_drift: Decimal
    needs_rebalancing: bool
    threshold: Decimal
    relative_threshold: Decimal | None
    classes: tuple[ClassRecord, ...]
    # None when the holdings were not stored, or not loaded by the query that made this.
    holdings: tuple[HoldingRecord, ...] | None
    # None: single-currency mode, or written before currencies (the configured one applies).
    base_currency: str | None = None
    fx_rates: tuple[Rate, ...] = ()  # the rates that converted its holdings
    currencies: tuple[CurrencyRecord, ...] = ()  # its currency exposure
    as_of: datetime | None = None  # the time the holdings are of, if their source said

    def drift_of(self, asset_class: str) -> Decimal | None:
        return next((c.drift for c in self.classes if c.asset_class == asset_class), None)

    def valuation(self) -> Valuation:
        """This snapshot as the input of a performance attribution."""
        return Valuation(
            taken_at=self.taken_at,
            class_values={c.asset_class: c.current_value for c in self.classes},
            holdings=None
            if self.holdings is None
            else tuple(
                Holding(h.symbol, h.asset_class, h.value, h.quantity, h.price)
                for h in self.holdings
            ),
        )


@dataclass(frozen=True, slots=True)
class SnapshotPage:
    items: tuple[SnapshotRecord, ...]
    # Pass it back as ``after`` for the next page; None on the last page.
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class DriftPoint:
    """One snapshot in a drift time series; ``drifts`` per class in percentage points."""

    snapshot_id: int
    taken_at: datetime
    total_drift: Decimal
    worst_drift: Decimal
    needs_rebalancing: bool
    drifts: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class PruneResult:
    snapshots: int
    ticks: int
    notifications: int = 0  # sent or dead (their delivery attempts go with them)
    silences: int = 0  # ended
    acknowledgements: int = 0  # each portfolio's newest is kept
    suppressed: int = 0  # held-back notices
