"""Notification payloads shaped as the pipeline writes them into the outbox, one per kind."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from monitor.domain.alerting import AlertState, Notice
from monitor.domain.allocation import (
    AllocationReport,
    DriftPolicy,
    Holding,
    compute_allocation,
    parse_targets,
)
from monitor.domain.plans import RebalancingPlan
from monitor.notify.payloads import PlanUnavailable, PortfolioRef, notice_payload

SEED_ALERTS = [
    "STOCKS: under-allocated by 35.32% (current: 14.68%, target: 50.00%)",
    "CRYPTO: under-allocated by 10.00% (current: 0.00%, target: 10.00%)",
]
SEED_ACTIONS = [
    {"action": "BUY", "asset_class": "stocks", "amount": "64827.82"},
    {"action": "BUY", "asset_class": "crypto", "amount": "18353.56"},
]
PORTFOLIO = {
    "portfolio_id": "family",
    "portfolio_name": "Family portfolio",
    "taken_at": "2026-11-24T18:00:00+00:00",
    "timezone": "America/New_York",
}
REPORT = {
    "portfolio_value": "183535.63",
    "alerts": SEED_ALERTS,
    "actions": SEED_ACTIONS,
    "breaching": ["stocks", "crypto"],
    "new_classes": ["crypto"],
    "worst_drift": "35.32",
}
IN_BAND = REPORT | {"alerts": [], "actions": [], "breaching": [], "new_classes": []}


def drifted(**changes: Any) -> dict[str, Any]:
    return {"kind": "drifted"} | PORTFOLIO | REPORT | changes


def escalated(**changes: Any) -> dict[str, Any]:
    return drifted(kind="escalated", **changes)


def reminder(**changes: Any) -> dict[str, Any]:
    return drifted(kind="reminder", new_classes=[], **changes)


def resolved(**changes: Any) -> dict[str, Any]:
    return {"kind": "resolved"} | PORTFOLIO | IN_BAND | changes


def stale(**changes: Any) -> dict[str, Any]:
    # A failed tick has no report: only what the source said.
    failure = {"error": "csv holdings.csv: file not found", "failures": 3, "new_classes": []}
    return {"kind": "stale"} | PORTFOLIO | failure | changes


def recovered(**changes: Any) -> dict[str, Any]:
    return {"kind": "recovered"} | PORTFOLIO | IN_BAND | {"error": "", "failures": 3} | changes


def notify_test(**changes: Any) -> dict[str, Any]:
    return {"kind": "test"} | PORTFOLIO | REPORT | {"new_classes": []} | changes


def account(number: int, status: str, worst_drift: str) -> dict[str, Any]:
    alerts = [] if status == "resolved" else [f"STOCKS: over-allocated by {worst_drift}% (x)"]
    return {
        "portfolio_id": f"clients/a{number}",
        "status": status,
        "worst_drift": worst_drift,
        "alerts": alerts,
    }


def digest(accounts: int = 140, *, list_limit: int = 50, **changes: Any) -> dict[str, Any]:
    """``accounts`` out of 4,000 listed, the worst first: 12 new, 3 resolved, the rest still."""
    listed = [
        account(n, "new" if n < 12 else "resolved" if n >= accounts - 3 else "still", drift)
        for n, drift in enumerate(f"{40 - n * 0.25:.2f}" for n in range(accounts))
    ]
    return {
        "kind": "digest",
        "portfolio_id": "clients",
        "portfolio_name": "Client accounts",
        "taken_at": "2026-11-24T18:00:00+00:00",
        "timezone": "America/New_York",
        "accounts": listed,
        "counts": {"total": 4000, "out_of_band": 137, "new": 12, "resolved": 3},
        "list_limit": list_limit,
    } | changes


# The worked example of trades in shares (docs/plans.md): 10,000 in four holdings with quantity and
# price, targets stocks 60 / bonds 40 (bonds bought as BND); stocks at 70%.
SHARES_TARGETS = parse_targets({"stocks": 60, "bonds": {"target": 40, "buy": "BND"}})
SHARES = [
    Holding("VTI", "stocks", Decimal(6000), Decimal(24), Decimal(250)),
    Holding("VXUS", "stocks", Decimal(1000), Decimal(20), Decimal(50)),
    Holding("BND", "bonds", Decimal(800), Decimal(10), Decimal(80)),
    Holding("AGG", "bonds", Decimal(2200), Decimal(22), Decimal(100)),
]


def shares_report() -> AllocationReport:
    return compute_allocation(SHARES, SHARES_TARGETS)


def min_trade_report() -> AllocationReport:
    """The minimum-trade example of docs/plans.md: 6,600 / 2,850 / 550 against 60 / 35 / 5 with
    ``min_trade = 100``; cash would sell 50 to pay for bonds, and is left out."""
    return compute_allocation(
        [
            Holding("VTI", "stocks", Decimal(6600)),
            Holding("BND", "bonds", Decimal(2850)),
            Holding("USD", "cash", Decimal(550)),
        ],
        {"stocks": Decimal(60), "bonds": Decimal(35), "cash": Decimal(5)},
        DriftPolicy(min_trade=Decimal(100)),
    )


def planned(
    plan: RebalancingPlan | PlanUnavailable, report: AllocationReport | None = None
) -> dict[str, Any]:
    """A drift notice carrying ``plan``, built as the pipeline builds it (``report``: the
    shares example unless given)."""
    return notice_payload(
        PortfolioRef("family", "Family", "UTC"),
        Notice("drifted"),
        taken_at=datetime(2026, 11, 24, 18, 0, tzinfo=UTC),
        report=report or shares_report(),
        state=AlertState(),
        plan=plan,
    )
