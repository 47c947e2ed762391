"""What a notification says, as a JSON-serialisable payload stored in the outbox row.

Built when the alert is decided (inside the tick's transaction) and rendered into a message
only when it is delivered, so a retry sends what was decided. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from monitor.domain.alerting import AlertState, Notice
from monitor.domain.allocation import AllocationReport, round2
from monitor.domain.plans import PlanRequest, RebalancingPlan, Trade


@dataclass(frozen=True, slots=True)
class PortfolioRef:
    portfolio_id: str
    name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class PlanUnavailable:
    """The configured plan could not be made for this report: the alert says why."""

    request: PlanRequest
    error: str


def text(value: Decimal) -> str:
    return str(round2(value))


def exact(value: Decimal) -> str:
    """A share count or a price as it is, without an exponent: ``1682.00000000`` -> ``1682``."""
    return f"{value.normalize():f}"


def report_fields(report: AllocationReport) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "portfolio_value": text(report.portfolio_value),
        "alerts": report.alerts,
        "actions": [
            {"action": a.action, "asset_class": a.asset_class, "amount": text(a.amount)}
            for a in report.actions
        ],
        "breaching": [c.asset_class for c in report.breaching],
        "worst_drift": text(report.worst_drift),
    }
    if report.base_currency is not None:  # a single-currency payload stays as it was
        fields["base_currency"] = report.base_currency
        fields["currency_exposure"] = {
            e.currency: text(e.percent) for e in report.currency_exposure
        }
        fields["currency_breaching"] = [e.currency for e in report.currency_breaches]
    return fields


def trade_fields(trade: Trade) -> dict[str, Any]:
    """One holding's trade: in shares at a price when the holding has them, else in money
    alone (``shares`` and ``price`` None)."""
    return {
        "side": trade.side,
        "symbol": trade.symbol,
        "shares": None if trade.shares is None else exact(trade.shares),
        "price": None if trade.price is None else exact(trade.price),
        "amount": text(trade.amount),
    }


def plan_fields(plan: RebalancingPlan | PlanUnavailable) -> dict[str, Any]:
    """The plan an alert gives, named as ``/calculate``'s ``plan`` names its fields."""
    if isinstance(plan, PlanUnavailable):
        request = plan.request
        return {
            "mode": request.mode,
            "cash": text(request.cash),
            "raise_cash": text(request.raise_cash),
            "trade": request.trade,
            "error": plan.error,
        }
    return {
        "mode": plan.mode,
        "cash": text(plan.cash),
        "raise_cash": text(plan.raise_cash),
        "trade": plan.trade,
        "error": None,
        "unallocated": text(plan.unallocated),
        "min_trade": text(plan.min_trade),
        "bought": text(plan.bought),
        "sold": text(plan.sold),
        "leftover": text(plan.leftover),
        "shortfall": text(plan.shortfall),
        "actions": [
            {
                "action": a.action,
                "asset_class": a.asset_class,
                "amount": text(a.amount),
                "current_percent": text(a.current_percent),
                "resulting_percent": text(a.resulting_percent),
                "trades": [trade_fields(t) for t in a.trades],
            }
            for a in plan.actions
        ],
        "below_minimum": [
            {
                "side": s.side,
                "asset_class": s.asset_class,
                "symbol": s.symbol,
                "amount": text(s.amount),
            }
            for s in plan.below_minimum
        ],
        "unresolved": [
            {
                "asset_class": u.asset_class,
                "drift_after": text(u.drift_after),
                "reason": u.reason,
                "message": u.message,
            }
            for u in plan.unresolved
        ],
    }


def notice_payload(
    portfolio: PortfolioRef,
    notice: Notice,
    *,
    taken_at: datetime,
    report: AllocationReport | None,
    state: AlertState,
    plan: RebalancingPlan | PlanUnavailable | None = None,
) -> dict[str, Any]:
    """One portfolio's notice; ``report`` is None for stale-data notices. ``plan``: the
    portfolio's configured plan, for the notices that ask for a rebalance."""
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
    if plan is not None:
        payload["plan"] = plan_fields(plan)
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


@dataclass
class Digest:
    """One message for the accounts of an entry, gathered a batch of accounts at a time:
    a tick of many accounts keeps what the message says of each, not their reports.

    It names every account that is out of band or resolved, the worst first; how many of
    them a message lists is the template's business (``notify.digest_limit``), so the row
    keeps the whole group for ``alerts show`` and the API. Grouping changes delivery only:
    which accounts are new, escalated, due a reminder or resolved comes from their own
    decisions.
    """

    entry: PortfolioRef
    taken_at: datetime
    speaking: list[tuple[Decimal, dict[str, Any]]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, outcomes: Iterable[AccountOutcome]) -> None:
        for o in outcomes:
            status = account_status(o)
            self.counts["total"] += 1
            self.counts["out_of_band"] += o.report.needs_rebalancing
            if status is None:
                continue
            self.counts[status] += 1
            account = {
                "portfolio_id": o.portfolio_id,
                "status": status,
                "worst_drift": text(o.report.worst_drift),
                "breaching": [c.asset_class for c in o.report.breaching],
                "alerts": o.report.alerts,
            }
            self.speaking.append((o.report.worst_drift, account))

    def payload(self) -> dict[str, Any] | None:
        """The message, or None when no account has anything to say."""
        if not any(self.counts[status] for status in SAYING):
            return None
        self.speaking.sort(key=lambda pair: (-pair[0], pair[1]["portfolio_id"]))
        return {
            "kind": "digest",
            "portfolio_id": self.entry.portfolio_id,
            "portfolio_name": self.entry.name,
            "taken_at": self.taken_at.isoformat(),
            "timezone": self.entry.timezone,
            "accounts": [account for _, account in self.speaking],
            "counts": {name: self.counts[name] for name in ("total", "out_of_band", *SAYING)},
        }


SAYING = ("new", "escalated", "reminder", "resolved")  # the statuses a digest is sent for


def digest_payload(
    entry: PortfolioRef, outcomes: list[AccountOutcome], *, taken_at: datetime
) -> dict[str, Any] | None:
    """The ``Digest`` of ``outcomes``, all at once."""
    digest = Digest(entry, taken_at)
    digest.add(outcomes)
    return digest.payload()
