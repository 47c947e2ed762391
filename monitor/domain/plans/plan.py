"""Rebalancing plans: what to buy and sell, per class and per holding, in one of three modes.

- ``buy_and_sell`` (default): every breaching class goes back to its goal (target, or the
  band edge); the cash this frees or needs is levelled across the other classes.
- ``buy_only``: new cash (plus any unallocated value) goes to the largest shortfalls; nothing
  is sold.
- ``sell_only``: ``raise_cash`` is sold from the largest excesses; nothing is bought.
  Without ``raise_cash``, the breaching over-weight classes are sold back to their goal.

``trade`` says which classes a plan trades: ``all`` (the default), or only the
``breaching`` ones (outside their band), and the sub-classes of one that trades.

Every plan balances: ``bought = sold + available - leftover`` with ``leftover >= 0``, where
``available`` is the unallocated value plus new cash. No trade is smaller than the policy's
``min_trade``: a class whose trade would be is left out and listed. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, get_args

from monitor.domain.allocation import Action, AllocationReport
from monitor.domain.numbers import ZERO, round2, total
from monitor.domain.plans.amounts import PlanTrade, class_amounts
from monitor.domain.plans.outcome import Unresolved, resulting_percents, unresolved_classes
from monitor.domain.plans.trades import Placement, SkippedTrade, Trade, place_trades
from monitor.errors import InputError

PlanMode = Literal["buy_and_sell", "buy_only", "sell_only"]
PLAN_MODES: tuple[PlanMode, ...] = get_args(PlanMode)
PLAN_TRADES: tuple[PlanTrade, ...] = get_args(PlanTrade)


@dataclass(frozen=True, slots=True)
class PlanRequest:
    mode: PlanMode = "buy_and_sell"
    cash: Decimal = ZERO  # new money to invest
    raise_cash: Decimal = ZERO  # sell_only: money to take out of the portfolio
    trade: PlanTrade = "all"  # or "breaching": classes inside their band are left alone


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One class's part of the plan; ``amount`` is what its trades add up to."""

    asset_class: str
    action: Action
    amount: Decimal
    current_percent: Decimal
    target_percent: Decimal
    drift: Decimal
    resulting_percent: Decimal
    trades: tuple[Trade, ...]


@dataclass(frozen=True, slots=True)
class RebalancingPlan:
    mode: PlanMode
    cash: Decimal
    raise_cash: Decimal
    trade: PlanTrade
    unallocated: Decimal
    min_trade: Decimal
    actions: tuple[PlannedAction, ...]
    below_minimum: tuple[SkippedTrade, ...]
    unresolved: tuple[Unresolved, ...]
    resulting_percent: dict[str, Decimal]
    resulting_drift: dict[str, Decimal]
    # What the actions buy and sell in all: read several times an answer (leftover and
    # shortfall are made of them), so added up once.
    bought: Decimal = field(init=False, repr=False, compare=False)
    sold: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bought = total(a.amount for a in self.actions if a.action == "BUY")
        object.__setattr__(self, "bought", bought)
        sold = total(a.amount for a in self.actions if a.action == "SELL")
        object.__setattr__(self, "sold", sold)

    @property
    def invested(self) -> Decimal:
        return self.bought

    @property
    def available(self) -> Decimal:
        """Money not held in any class before the plan: unallocated value plus new cash."""
        return self.unallocated + self.cash

    @property
    def leftover(self) -> Decimal:
        """Cash in hand after the plan (in sell_only, it includes the cash raised)."""
        return self.available + self.sold - self.bought

    @property
    def shortfall(self) -> Decimal:
        """sell_only: how much of ``raise_cash`` the plan could not raise."""
        return max(ZERO, self.raise_cash - self.leftover)

    @property
    def trades(self) -> tuple[Trade, ...]:
        return tuple(t for a in self.actions for t in a.trades)

    @property
    def total_drift_after(self) -> Decimal:
        return total(abs(d) for d in self.resulting_drift.values())


def plan_rebalancing(
    report: AllocationReport, request: PlanRequest = PlanRequest()
) -> RebalancingPlan:
    """The plan for ``report`` in the requested mode, honouring ``report.policy.min_trade``.

    A class whose trade comes out below the minimum is frozen (left as it is) and the plan
    is made again without it, until every trade clears the minimum.
    """
    check_request(report, request)
    min_trade = report.policy.min_trade
    frozen: dict[str, SkippedTrade] = {}
    while True:
        placement = place(report, request, frozen)
        small = {k: a for k, a in placement.amounts.items() if 0 < abs(a) < min_trade}
        if not small:
            break
        klass = min(small, key=lambda k: (abs(small[k]), k))
        side: Action = "BUY" if small[klass] > 0 else "SELL"
        frozen[klass] = SkippedTrade(klass, side, abs(small[klass]))
    return assemble(report, request, placement, frozen)


def plan_buy_only(report: AllocationReport, cash: Decimal) -> RebalancingPlan:
    """Invest ``cash`` so the portfolio ends as close to its targets as buying alone allows."""
    return plan_rebalancing(report, PlanRequest("buy_only", cash))


def check_request(report: AllocationReport, request: PlanRequest) -> None:
    check_mode_amounts(request)
    if request.raise_cash > report.portfolio_value:
        raise InputError(
            "raise_cash",
            f"cannot raise {request.raise_cash}: the portfolio is worth "
            f"{round2(report.portfolio_value)}",
        )


def check_mode_amounts(request: PlanRequest) -> None:
    """What can be checked without a portfolio: the amounts against each other and the mode
    (the config checks each portfolio's plan with it before any tick)."""
    if request.cash < 0:
        raise InputError("cash", f"new cash to invest must not be negative, got {request.cash}")
    if request.raise_cash < 0:
        raise InputError("raise_cash", f"must not be negative, got {request.raise_cash}")
    if request.mode == "sell_only" and request.cash > 0:
        raise InputError("cash", "sell_only invests no new cash; use buy_and_sell or buy_only")
    if request.mode != "sell_only" and request.raise_cash > 0:
        raise InputError("raise_cash", "only the sell_only mode raises cash")


def place(
    report: AllocationReport, request: PlanRequest, frozen: dict[str, SkippedTrade]
) -> Placement:
    amounts = class_amounts(
        report, request.mode, request.cash, request.raise_cash, frozen, trade=request.trade
    )
    return place_trades(
        report,
        amounts,
        available=report.unallocated_value + request.cash,
        min_trade=report.policy.min_trade,
        sell_rounding="up" if request.mode == "sell_only" else "nearest",
    )


def assemble(
    report: AllocationReport,
    request: PlanRequest,
    placement: Placement,
    frozen: dict[str, SkippedTrade],
) -> RebalancingPlan:
    amounts = placement.amounts
    left_out = [*frozen.values(), *placement.skipped]
    for c in report.below_minimum:
        # The report's breaches too small to trade are left out of the plan too: listed.
        if not amounts.get(c.asset_class) and all(s.asset_class != c.asset_class for s in left_out):
            side: Action = "SELL" if c.difference > 0 else "BUY"
            left_out.append(SkippedTrade(c.asset_class, side, c.trade_amount))
    leftover = report.unallocated_value + request.cash - total(amounts.values())
    resulting = resulting_percents(report, amounts, request.cash, min(request.raise_cash, leftover))
    drift = {c.asset_class: resulting[c.asset_class] - c.target_percent for c in report.classes}
    actions = tuple(
        PlannedAction(
            asset_class=c.asset_class,
            action="BUY" if amounts[c.asset_class] > 0 else "SELL",
            amount=abs(amounts[c.asset_class]),
            current_percent=c.current_percent,
            target_percent=c.target_percent,
            drift=c.drift,
            resulting_percent=resulting[c.asset_class],
            trades=placement.trades.get(c.asset_class, ()),
        )
        for c in report.classes
        if amounts.get(c.asset_class, ZERO) != 0
    )
    return RebalancingPlan(
        mode=request.mode,
        cash=request.cash,
        raise_cash=request.raise_cash,
        trade=request.trade,
        unallocated=report.unallocated_value,
        min_trade=report.policy.min_trade,
        actions=actions,
        below_minimum=tuple(left_out),
        unresolved=unresolved_classes(
            report,
            request.mode,
            drift,
            {s.asset_class: s for s in left_out},
            placement.trades,
        ),
        resulting_percent=resulting,
        resulting_drift=drift,
    )
