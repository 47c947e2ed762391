"""The allocation engine: holdings + targets -> an ``AllocationReport``.

Pure: no I/O, no clock, no database. Money and percents are ``Decimal`` at full precision
inside; rounding to two places (half-up) happens only where values are shown. Targets and
their options live in ``targets``, bands and the drift policy in ``bands``; their names are
re-exported here for the code that imports them from the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from monitor.bands import DEFAULT_THRESHOLD, BreachRule, DriftPolicy
from monitor.errors import InputError
from monitor.numbers import CENT, HUNDRED, ZERO, normalise_class, round2, subfield, to_decimal
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
class Holding:
    symbol: str
    asset_class: str
    value: Decimal
    quantity: Decimal | None = None
    price: Decimal | None = None
    account: str | None = None


def make_holding(
    symbol: object,
    asset_class: object,
    *,
    value: object = None,
    quantity: object = None,
    price: object = None,
    account: str | None = None,
    where: str,
) -> Holding:
    """Validate one holding's raw fields; ``where`` prefixes every message (``line 7``)."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(subfield(where, "symbol"), "symbol must be a non-empty text")
    klass = normalise_class(asset_class, subfield(where, "asset_class"))
    qty = None if quantity in (None, "") else to_decimal(quantity, subfield(where, "quantity"))
    px = None if price in (None, "") else to_decimal(price, subfield(where, "price"))
    if value not in (None, ""):
        amount = to_decimal(value, subfield(where, "value"))
    elif qty is not None and px is not None:
        amount = qty * px
    elif qty is not None or px is not None:
        missing = "price" if px is None else "quantity"
        raise InputError(
            subfield(where, missing), f"quantity and price go together; {missing} is missing"
        )
    else:
        raise InputError(where, "a holding needs a value, or a quantity and a price")
    return Holding(symbol.strip(), klass, amount, qty, px, account)


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
        return sum((abs(c.drift) for c in self.classes), ZERO)

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
        total = holdings_value
    elif holdings_value - portfolio_value > CENT:
        raise InputError(
            "portfolio_value",
            f"{portfolio_value} is below the holdings' sum {round2(holdings_value)}",
        )
    else:
        total = max(portfolio_value, holdings_value)
    if total <= 0:
        raise InputError(
            "holdings", "the portfolio is worth nothing (total value 0); nothing to allocate"
        )
    return total


def compute_allocation(
    holdings: Sequence[Holding],
    targets: Mapping[str, Decimal],
    policy: DriftPolicy = DriftPolicy(),
    portfolio_value: Decimal | None = None,
) -> AllocationReport:
    """Compare holdings with targets; see DESIGN.md "Domain semantics" for every rule.

    ``targets`` is a ``Targets`` (with per-class options) or plain ``{class: percent}``.
    """
    goal = Targets.flat(targets)
    held = class_values(holdings)
    holdings_value = sum(held.values(), ZERO)
    total = portfolio_total(holdings_value, portfolio_value)
    # Targeted classes first, in the order given, then classes held without a target.
    order = list(goal) + [klass for klass in held if klass not in goal]
    classes = [
        class_allocation(klass, held.get(klass, ZERO), total, goal, policy) for klass in order
    ]
    return AllocationReport(
        portfolio_value=total,
        holdings_value=holdings_value,
        unallocated_value=total - holdings_value,
        classes=tuple(classes),
        policy=policy,
        holdings=tuple(holdings),
        targets=goal,
    )


def class_allocation(
    klass: str, value: Decimal, total: Decimal, targets: Targets, policy: DriftPolicy
) -> ClassAllocation:
    spec = targets.spec(klass)
    target_percent = spec.percent
    current_percent = value / total * HUNDRED
    target_value = total * target_percent / HUNDRED
    drift = current_percent - target_percent
    band = policy.band_for(spec)
    rule = policy.classify(drift, band)
    edge_value = total * (target_percent + policy.edge_drift(drift, band)) / HUNDRED
    goal_value = total * (target_percent + policy.goal_drift(drift, band)) / HUNDRED
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
    )
