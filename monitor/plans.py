"""Rebalancing plans beyond "trade every breaching class back to target".

Pure, like ``allocation``: a plan is computed from a report and returns actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from monitor.allocation import CENT, HUNDRED, AllocationReport, RebalancingAction
from monitor.errors import InputError


@dataclass(frozen=True, slots=True)
class BuyOnlyPlan:
    """New cash split across under-weight classes; nothing is sold."""

    cash: Decimal
    actions: tuple[RebalancingAction, ...]
    resulting_percent: dict[str, Decimal]
    resulting_drift: dict[str, Decimal]

    @property
    def invested(self) -> Decimal:
        return sum((a.amount for a in self.actions), Decimal(0))

    @property
    def leftover(self) -> Decimal:
        return self.cash - self.invested

    @property
    def total_drift_after(self) -> Decimal:
        return sum((abs(d) for d in self.resulting_drift.values()), Decimal(0))


def water_fill(deficits: dict[str, Decimal], cash: Decimal) -> dict[str, Decimal]:
    """Spend ``cash`` on the largest deficits first, levelling them down together.

    Buying ``max(0, deficit - level)`` for the level at which the buys add up to ``cash``
    minimises the sum of squared distances to target under "no selling" (the KKT solution),
    and also the largest remaining shortfall.
    """
    ranked = sorted((d for d in deficits.values() if d > 0), reverse=True)
    if cash <= 0 or not ranked:
        return dict.fromkeys(deficits, Decimal(0))
    spend = min(cash, sum(ranked, Decimal(0)))
    level = Decimal(0)
    running = Decimal(0)
    for count, deficit in enumerate(ranked, start=1):
        running += deficit
        level = (running - spend) / count
        following = ranked[count] if count < len(ranked) else Decimal(0)
        if level >= following:
            break
    return {klass: max(Decimal(0), d - level) for klass, d in deficits.items()}


def to_cents(exact: dict[str, Decimal], budget: Decimal) -> dict[str, Decimal]:
    """Round buys down to cents, then hand the spare cents to the largest remainders, so the
    total never exceeds ``budget`` (itself rounded down to a cent)."""
    floored = {k: v.quantize(CENT, rounding=ROUND_DOWN) for k, v in exact.items()}
    budget_cents = min(budget, sum(exact.values(), Decimal(0))).quantize(CENT, rounding=ROUND_DOWN)
    spare = int((budget_cents - sum(floored.values(), Decimal(0))) / CENT)
    by_remainder = sorted(exact, key=lambda k: exact[k] - floored[k], reverse=True)
    for klass in by_remainder[: max(spare, 0)]:
        floored[klass] += CENT
    return floored


def plan_buy_only(report: AllocationReport, cash: Decimal) -> BuyOnlyPlan:
    """Invest ``cash`` so the portfolio ends as close to its targets as buying alone allows."""
    if cash < 0:
        raise InputError("cash", f"new cash to invest must not be negative, got {cash}")
    new_total = report.portfolio_value + cash
    deficits = {
        c.asset_class: new_total * c.target_percent / HUNDRED - c.current_value
        for c in report.classes
    }
    buys = to_cents(water_fill(deficits, cash), cash)
    actions = tuple(
        RebalancingAction(
            asset_class=c.asset_class,
            action="BUY",
            amount=buys[c.asset_class],
            current_percent=c.current_percent,
            target_percent=c.target_percent,
            drift=c.drift,
        )
        for c in report.classes
        if buys[c.asset_class] > 0
    )
    resulting = {
        c.asset_class: (c.current_value + buys[c.asset_class]) / new_total * HUNDRED
        for c in report.classes
    }
    drift = {c.asset_class: resulting[c.asset_class] - c.target_percent for c in report.classes}
    return BuyOnlyPlan(
        cash=cash, actions=actions, resulting_percent=resulting, resulting_drift=drift
    )
