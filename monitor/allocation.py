"""The allocation engine: holdings + targets -> an ``AllocationReport``.

Pure: no I/O, no clock, no database. Money and percents are ``Decimal`` at full precision
inside; rounding to two places (half-up) happens only where values are shown. Targets (a
tree of classes, with options) live in ``targets``, bands and the drift policy in ``bands``,
holdings and how they split across classes in ``holdings``; their names are re-exported here
for the code that imports them from the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from monitor.bands import DEFAULT_THRESHOLD, BreachRule, DriftPolicy
from monitor.errors import InputError
from monitor.holdings import Holding, all_slices, make_holding
from monitor.numbers import (
    CENT,
    HUNDRED,
    ZERO,
    check_size,
    normalise_class,
    round2,
    to_decimal,
    total,
)
from monitor.targets import TARGET_SUM_TOLERANCE, Targets, parse_targets

__all__ = [
    "CENT",
    "DEFAULT_TARGETS",
    "DEFAULT_THRESHOLD",
    "HUNDRED",
    "TARGET_SUM_TOLERANCE",
    "Action",
    "AllocationReport",
    "BreachRule",
    "ClassAllocation",
    "DriftPolicy",
    "Holding",
    "RebalancingAction",
    "Targets",
    "compute_allocation",
    "make_holding",
    "normalise_class",
    "parse_targets",
    "round2",
    "to_decimal",
]

DEFAULT_TARGETS: dict[str, Decimal] = {
    "stocks": Decimal(50),
    "etfs": Decimal(15),
    "commodities": Decimal(15),
    "crypto": Decimal(10),
    "futures": Decimal(5),
    "cash": Decimal(5),
}

Action = Literal["BUY", "SELL"]


@dataclass(frozen=True, slots=True)
class ClassAllocation:
    asset_class: str
    current_value: Decimal
    current_percent: Decimal
    target_percent: Decimal
    target_value: Decimal
    difference: Decimal  # current - target value: what a trade to target moves, signed
    drift: Decimal
    breach: BreachRule | None  # the rule that makes it need rebalancing, else None
    rule_fired: BreachRule | None  # the rule its drift breaks, even if the trade is too small
    below_minimum: bool  # outside its band, but its trade back is below ``min_trade``
    band_lower: Decimal  # its band, in percent of the portfolio
    band_upper: Decimal
    edge_value: Decimal  # its value at the nearest edge of its tolerance band
    goal_value: Decimal  # what rebalancing brings it to: target, or the tolerance band's edge
    parent: str | None = None  # stocks, for stocks/us
    leaf: bool = True  # holdings sit in leaves; a parent's value is its children's

    @property
    def needs_rebalancing(self) -> bool:
        return self.breach is not None

    @property
    def trade_amount(self) -> Decimal:
        """The money to trade to reach the goal (target or band edge); never negative."""
        return abs(self.goal_value - self.current_value)

    def alert_line(self) -> str:
        """The seed's wording: ``STOCKS: under-allocated by 35.32% (current: ...)``."""
        direction = "under" if self.drift < 0 else "over"
        return (
            f"{self.asset_class.upper()}: {direction}-allocated by {abs(round2(self.drift))}% "
            f"(current: {round2(self.current_percent)}%, target: {round2(self.target_percent)}%)"
        )


@dataclass(frozen=True, slots=True)
class RebalancingAction:
    asset_class: str
    action: Action
    amount: Decimal
    current_percent: Decimal
    target_percent: Decimal
    drift: Decimal
    amount_to_target: Decimal
    amount_to_band_edge: Decimal


@dataclass(frozen=True, slots=True)
class AllocationReport:
    portfolio_value: Decimal
    holdings_value: Decimal
    unallocated_value: Decimal
    classes: tuple[ClassAllocation, ...]
    policy: DriftPolicy
    holdings: tuple[Holding, ...]
    targets: Targets

    @property
    def total_drift(self) -> Decimal:
        """Sum of |drift| over the classes holdings sit in (all of them, without sub-classes)."""
        return total(abs(c.drift) for c in self.classes if c.leaf)

    @property
    def needs_rebalancing(self) -> bool:
        return any(c.needs_rebalancing for c in self.classes)

    @property
    def breaching(self) -> tuple[ClassAllocation, ...]:
        return tuple(c for c in self.classes if c.needs_rebalancing)

    @property
    def below_minimum(self) -> tuple[ClassAllocation, ...]:
        return tuple(c for c in self.classes if c.below_minimum)

    @property
    def worst_drift(self) -> Decimal:
        return max((abs(c.drift) for c in self.classes), default=ZERO)

    @property
    def alerts(self) -> list[str]:
        return [c.alert_line() for c in self.breaching]

    @property
    def actions(self) -> tuple[RebalancingAction, ...]:
        """One per breaching class: back to its goal (target, or the band edge)."""
        return tuple(
            RebalancingAction(
                asset_class=c.asset_class,
                action="BUY" if c.difference < 0 else "SELL",
                amount=c.trade_amount,
                current_percent=c.current_percent,
                target_percent=c.target_percent,
                drift=c.drift,
                amount_to_target=abs(c.difference),
                amount_to_band_edge=abs(c.edge_value - c.current_value),
            )
            for c in self.breaching
        )

    def target_of(self, asset_class: str) -> ClassAllocation:
        return next(c for c in self.classes if c.asset_class == asset_class)


def class_values(holdings: Iterable[Holding]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for holding in holdings:
        values[holding.asset_class] = values.get(holding.asset_class, ZERO) + holding.value
    return values


def portfolio_total(holdings_value: Decimal, portfolio_value: Decimal | None) -> Decimal:
    if portfolio_value is None:
        found = holdings_value
    elif holdings_value - portfolio_value > CENT:
        raise InputError(
            "portfolio_value",
            f"{portfolio_value} is below the holdings' sum {round2(holdings_value)}",
        )
    else:
        found = max(portfolio_value, holdings_value)
    if found <= 0:
        raise InputError(
            "holdings", "the portfolio is worth nothing (total value 0); nothing to allocate"
        )
    # Each number is below the limit, but many holdings (or a quantity x a price) add up.
    if portfolio_value is None:
        return check_size(found, "holdings", what="the holdings' sum ")
    return check_size(found, "portfolio_value")


def compute_allocation(
    holdings: Sequence[Holding],
    targets: Mapping[str, Decimal],
    policy: DriftPolicy = DriftPolicy(),
    portfolio_value: Decimal | None = None,
) -> AllocationReport:
    """Compare holdings with targets; see DESIGN.md "Domain semantics" for every rule.

    ``targets`` is a ``Targets`` (options, sub-classes) or plain ``{class: percent}``. Each
    holding counts in the classes it names, split by its weights and by sub-class weights;
    ``report.holdings`` are those single-class slices.
    """
    goal = Targets.flat(targets)
    pieces = all_slices(holdings, goal)
    held = class_values(pieces)
    holdings_value = total(held.values())
    whole = portfolio_total(holdings_value, portfolio_value)
    order, parents = class_tree(goal, held)
    values = dict.fromkeys(order, ZERO) | held
    for klass in reversed(order):  # children come after their parent: sum bottom-up
        parent = parents[klass]
        if parent is not None:
            values[parent] += values[klass]
    has_children = {parent for parent in parents.values() if parent is not None}
    classes = [
        class_allocation(klass, values[klass], whole, goal, policy, parents[klass])
        for klass in order
    ]
    return AllocationReport(
        portfolio_value=whole,
        holdings_value=holdings_value,
        unallocated_value=whole - holdings_value,
        classes=tuple(
            c if c.asset_class not in has_children else replace(c, leaf=False) for c in classes
        ),
        policy=policy,
        holdings=tuple(pieces),
        targets=goal,
    )


def class_tree(
    goal: Targets, held: Mapping[str, Decimal]
) -> tuple[list[str], dict[str, str | None]]:
    """Every class in report order, each parent followed by its children (targeted first,
    then those held without a target), then top-level classes held without one; and the
    parent of each."""
    parents: dict[str, str | None] = {name: goal.spec(name).parent for name in goal}
    untargeted: dict[str | None, list[str]] = {}
    for klass in held:
        if klass not in goal:
            parents[klass] = goal.parent_of_untargeted(klass)
            untargeted.setdefault(parents[klass], []).append(klass)
    order: list[str] = []

    def visit(name: str) -> None:
        order.append(name)
        for child in goal.spec(name).children:
            visit(child)
        order.extend(untargeted.get(name, []))

    for name in goal.top_level:
        visit(name)
    order.extend(untargeted.get(None, []))
    return order, parents


def class_allocation(
    klass: str,
    value: Decimal,
    whole: Decimal,
    targets: Targets,
    policy: DriftPolicy,
    parent: str | None,
) -> ClassAllocation:
    spec = targets.spec(klass)
    target_percent = spec.percent
    current_percent = value / whole * HUNDRED
    target_value = whole * target_percent / HUNDRED
    drift = current_percent - target_percent
    band = policy.band_for(spec)
    rule = policy.classify(drift, band)
    edge_value = whole * (target_percent + policy.edge_drift(drift, band)) / HUNDRED
    goal_value = whole * (target_percent + policy.goal_drift(drift, band)) / HUNDRED
    # A breach whose trade back is smaller than the minimum trade is not worth an alert.
    too_small = rule is not None and abs(goal_value - value) < policy.min_trade
    return ClassAllocation(
        asset_class=klass,
        current_value=value,
        current_percent=current_percent,
        target_percent=target_percent,
        target_value=target_value,
        difference=value - target_value,
        drift=drift,
        breach=None if too_small else rule,
        rule_fired=rule,
        below_minimum=too_small,
        band_lower=max(ZERO, target_percent - band.below),
        band_upper=min(HUNDRED, target_percent + band.above),
        edge_value=edge_value,
        goal_value=goal_value,
        parent=parent,
    )
