"""Notification payloads shaped as the pipeline writes them into the outbox, one per kind."""

from __future__ import annotations

from typing import Any

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
