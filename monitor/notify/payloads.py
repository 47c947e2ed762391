"""What a notification says, as a JSON-serialisable payload stored in the outbox row.

Built when the alert is decided (inside the tick's transaction) and rendered into a message
only when it is delivered, so a retry sends what was decided. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from monitor.alerting import AlertState, Notice
from monitor.allocation import AllocationReport, round2


@dataclass(frozen=True, slots=True)
class PortfolioRef:
    portfolio_id: str
    name: str
    timezone: str


def text(value: Decimal) -> str:
    return str(round2(value))


def report_fields(report: AllocationReport) -> dict[str, Any]:
    return {
        "portfolio_value": text(report.portfolio_value),
        "alerts": report.alerts,
        "actions": [
            {"action": a.action, "asset_class": a.asset_class, "amount": text(a.amount)}
            for a in report.actions
        ],
        "breaching": [c.asset_class for c in report.breaching],
        "worst_drift": text(report.worst_drift),
    }


def notice_payload(
    portfolio: PortfolioRef,
    notice: Notice,
    *,
    taken_at: datetime,
    report: AllocationReport | None,
    state: AlertState,
) -> dict[str, Any]:
    """One portfolio's notice; ``report`` is None for stale-data notices."""
    payload: dict[str, Any] = {
        "kind": notice.kind,
        "portfolio_id": portfolio.portfolio_id,
        "portfolio_name": portfolio.name,
        "taken_at": taken_at.isoformat(),
        "timezone": portfolio.timezone,
        "new_classes": list(notice.new_classes),
    }
    if report is not None:
        payload |= report_fields(report)
    if notice.kind == "stale":
        payload |= {"error": state.last_error or "", "failures": notice.failures}
    elif notice.kind == "recovered":
        payload |= {"failures": notice.failures}
    return payload


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """One account of a multi-account entry after this tick's decision."""

    portfolio_id: str
    report: AllocationReport
    notices: tuple[Notice, ...]


def account_status(outcome: AccountOutcome) -> str | None:
    """``new``/``escalated``/``reminder``/``resolved``, ``still`` when out of band but
    silent, None when in band with nothing to say."""
    kinds = {n.kind for n in outcome.notices}
    for kind, status in (
        ("drifted", "new"),
        ("escalated", "escalated"),
        ("reminder", "reminder"),
        ("resolved", "resolved"),
    ):
        if kind in kinds:
            return status
    return "still" if outcome.report.needs_rebalancing else None


def digest_payload(
    entry: PortfolioRef, outcomes: list[AccountOutcome], *, taken_at: datetime
) -> dict[str, Any] | None:
    """One message for the accounts of an entry, or None when none has anything to say.

    It names every account that is out of band or resolved, the worst first; how many of
    them a message lists is the template's business (``notify.digest_limit``), so the row
    keeps the whole group for ``alerts show`` and the API. Grouping changes delivery only:
    which accounts are new, escalated, due a reminder or resolved comes from their own
    decisions.
    """
    listed = [(o, account_status(o)) for o in outcomes]
    if not any(status not in (None, "still") for _, status in listed):
        return None
    speaking = sorted(
        ((o, status) for o, status in listed if status is not None),
        key=lambda pair: (-pair[0].report.worst_drift, pair[0].portfolio_id),
    )
    accounts = [
        {
            "portfolio_id": o.portfolio_id,
            "status": status,
            "worst_drift": text(o.report.worst_drift),
            "breaching": [c.asset_class for c in o.report.breaching],
            "alerts": o.report.alerts,
        }
        for o, status in speaking
    ]
    statuses = [status for _, status in listed]
    return {
        "kind": "digest",
        "portfolio_id": entry.portfolio_id,
        "portfolio_name": entry.name,
        "taken_at": taken_at.isoformat(),
        "timezone": entry.timezone,
        "accounts": accounts,
        "counts": {
            "total": len(outcomes),
            "out_of_band": sum(o.report.needs_rebalancing for o in outcomes),
            "new": statuses.count("new"),
            "escalated": statuses.count("escalated"),
            "reminder": statuses.count("reminder"),
            "resolved": statuses.count("resolved"),
        },
    }
