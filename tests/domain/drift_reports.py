"""Reports of one small portfolio as it drifts, shared by the alert policy's tests (with
and without silences): targets 60 / 30 / 10, worth 100 each time."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from monitor.domain.allocation import AllocationReport, Holding, compute_allocation

T0 = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
TARGETS = {"stocks": Decimal(60), "bonds": Decimal(30), "cash": Decimal(10)}


def report(stocks: str, bonds: str, cash: str) -> AllocationReport:
    return compute_allocation(
        [
            Holding("VTI", "stocks", Decimal(stocks)),
            Holding("BND", "bonds", Decimal(bonds)),
            Holding("USD", "cash", Decimal(cash)),
        ],
        TARGETS,
    )


IN_BAND = report("60", "30", "10")
STOCKS_HIGH = report("70", "20", "10")  # stocks +10, bonds -10
STOCKS_HIGHER = report("76", "14", "10")  # worst drift 16: grew by 6
STOCKS_A_BIT_HIGHER = report("72", "18", "10")  # worst drift 12: grew by 2
CASH_TOO = report("70", "14", "16")  # cash +6 breaches too
