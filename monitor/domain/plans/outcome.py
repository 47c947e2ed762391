"""Where a plan leaves the portfolio: each class's percent after it, and the classes it
cannot bring back into their band, each with the reason. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from monitor.domain.allocation import AllocationReport
from monitor.domain.numbers import HUNDRED, ZERO, round2
from monitor.domain.plans.trades import SkippedTrade, Trade, sellable_classes

Reason = Literal[
    "below_minimum",
    "buy_only",
    "not_enough_cash",
    "sell_only",
    "not_enough_raised",
    "whole_shares",
    "spanning",
    "rounding",
]


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A class still outside its band after the plan."""

    asset_class: str
    drift_after: Decimal
    reason: Reason
    message: str


def resulting_percents(
    report: AllocationReport, amounts: Mapping[str, Decimal], cash: Decimal, withdrawn: Decimal
) -> dict[str, Decimal]:
    """Each class's percent after the trades; new cash joins the portfolio, raised cash
    leaves it, and cash left over stays in it unallocated."""
    after = report.portfolio_value + cash - withdrawn
    moved = {c.asset_class: amounts.get(c.asset_class, ZERO) for c in report.classes}
    for c in reversed(report.classes):  # children follow their parent: sum bottom-up
        if c.parent is not None:
            moved[c.parent] += moved[c.asset_class]
    return {
        c.asset_class: (c.current_value + moved[c.asset_class]) / after * HUNDRED
        if after > 0
        else ZERO
        for c in report.classes
    }


def unresolved_classes(
    report: AllocationReport,
    mode: str,
    drift_after: Mapping[str, Decimal],
    skipped: Mapping[str, SkippedTrade],
    trades: Mapping[str, tuple[Trade, ...]],
) -> tuple[Unresolved, ...]:
    """Classes outside their band after the plan; ``skipped``: a trade left out per class."""
    policy = report.policy
    in_shares = any(
        t.shares is not None and t.shares == t.shares.to_integral_value()
        for found in trades.values()
        for t in found
    )
    sellable = sellable_classes(report)
    found = []
    for c in report.classes:
        drift = drift_after[c.asset_class]
        if policy.classify(drift, c.band) is None:
            continue
        skip = skipped.get(c.asset_class)
        if drift > 0 and mode != "buy_only" and skip is None and c.asset_class not in sellable:
            reason: Reason = "spanning"
            message = "held only through holdings that span classes, which a plan never trades"
        else:
            reason, message = why(mode, drift, skip, policy.min_trade, in_shares)
        found.append(Unresolved(c.asset_class, drift, reason, message))
    return tuple(found)


def why(
    mode: str, drift: Decimal, skipped: SkippedTrade | None, min_trade: Decimal, in_shares: bool
) -> tuple[Reason, str]:
    over = drift > 0
    if skipped is not None:
        return "below_minimum", (
            f"its trade of {round2(skipped.amount)} would be below the minimum trade "
            f"of {round2(min_trade)}"
        )
    if mode == "buy_only":
        if over:
            return "buy_only", "over its band, and buy_only never sells"
        return "not_enough_cash", "not enough cash to buy it back into its band"
    if mode == "sell_only":
        if not over:
            return "sell_only", "under its band, and sell_only never buys"
        return "not_enough_raised", "the cash to raise is too little to sell it back into its band"
    if in_shares:
        return "whole_shares", "trading whole shares cannot bring it closer"
    if not over:
        return "not_enough_cash", "what the plan can sell does not pay to buy it back into band"
    return "rounding", "rounding to cents leaves it just outside its band"
