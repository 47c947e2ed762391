"""The engine's report: each class's allocation, and the actions that rebalance it. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from monitor.domain.bands import Band, BreachRule, DriftPolicy
from monitor.domain.fx import Rate
from monitor.domain.holdings import Holding, slot_setters
from monitor.domain.numbers import ZERO, round2, total
from monitor.domain.targets import Targets

Action = Literal["BUY", "SELL"]


@dataclass(frozen=True, slots=True, init=False)
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
    band: Band  # its band's widths and rules, which a plan checks the class against again
    edge_value: Decimal  # its value at the nearest edge of its tolerance band
    goal_value: Decimal  # what rebalancing brings it to: target, or the tolerance band's edge
    parent: str | None = None  # stocks, for stocks/us
    leaf: bool = True  # holdings sit in leaves; a parent's value is its children's

    def __init__(
        self,
        asset_class: str,
        current_value: Decimal,
        current_percent: Decimal,
        target_percent: Decimal,
        target_value: Decimal,
        difference: Decimal,
        drift: Decimal,
        breach: BreachRule | None,
        rule_fired: BreachRule | None,
        below_minimum: bool,
        band_lower: Decimal,
        band_upper: Decimal,
        band: Band,
        edge_value: Decimal,
        goal_value: Decimal,
        parent: str | None = None,
        leaf: bool = True,
    ) -> None:
        # As Holding's: the slots' own setters, not object.__setattr__ (half the time; a
        # tick of 10,000 accounts builds 60,000 of these).
        (
            set_asset_class,
            set_current_value,
            set_current_percent,
            set_target_percent,
            set_target_value,
            set_difference,
            set_drift,
            set_breach,
            set_rule_fired,
            set_below_minimum,
            set_band_lower,
            set_band_upper,
            set_band,
            set_edge_value,
            set_goal_value,
            set_parent,
            set_leaf,
        ) = _ALLOCATION_SETTERS
        set_asset_class(self, asset_class)
        set_current_value(self, current_value)
        set_current_percent(self, current_percent)
        set_target_percent(self, target_percent)
        set_target_value(self, target_value)
        set_difference(self, difference)
        set_drift(self, drift)
        set_breach(self, breach)
        set_rule_fired(self, rule_fired)
        set_below_minimum(self, below_minimum)
        set_band_lower(self, band_lower)
        set_band_upper(self, band_upper)
        set_band(self, band)
        set_edge_value(self, edge_value)
        set_goal_value(self, goal_value)
        set_parent(self, parent)
        set_leaf(self, leaf)

    @property
    def needs_rebalancing(self) -> bool:
        return self.breach is not None

    @property
    def trade_amount(self) -> Decimal:
        """The money to trade to reach the goal (target or band edge); never negative."""
        return abs(self.goal_value - self.current_value)

    @property
    def amount_to_band_edge(self) -> Decimal:
        """The money to trade to the nearest edge of its tolerance band; never negative."""
        return abs(self.edge_value - self.current_value)

    def alert_line(self) -> str:
        """The seed's wording: ``STOCKS: under-allocated by 35.32% (current: ...)``."""
        direction = "under" if self.drift < 0 else "over"
        return (
            f"{self.asset_class.upper()}: {direction}-allocated by {abs(round2(self.drift))}% "
            f"(current: {round2(self.current_percent)}%, target: {round2(self.target_percent)}%)"
        )


_ALLOCATION_SETTERS = slot_setters(ClassAllocation)


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
class CurrencyExposure:
    """The share of the portfolio held in one currency, and its drift from its target."""

    currency: str
    value: Decimal  # in the base currency
    native_value: Decimal  # in its own currency
    percent: Decimal
    target_percent: Decimal | None = None  # None: the currency has no target
    drift: Decimal | None = None
    breach: BreachRule | None = None

    def alert_line(self) -> str:
        direction = "under" if (self.drift or ZERO) < 0 else "over"
        return (
            f"CURRENCY {self.currency}: {direction}-weighted by {abs(round2(self.drift or ZERO))}% "
            f"(current: {round2(self.percent)}%, target: {round2(self.target_percent or ZERO)}%)"
        )


@dataclass(frozen=True, slots=True)
class AllocationReport:
    portfolio_value: Decimal
    holdings_value: Decimal
    unallocated_value: Decimal
    classes: tuple[ClassAllocation, ...]
    policy: DriftPolicy
    holdings: tuple[Holding, ...]
    targets: Targets
    # The currency every amount is in (None: single-currency mode, the currency unnamed),
    # the rates that converted holdings into it, and the share held in each currency
    # (empty in single-currency mode).
    base_currency: str | None = None
    fx_rates: tuple[Rate, ...] = ()
    currency_exposure: tuple[CurrencyExposure, ...] = ()
    # Read several times a report in a tick (its snapshot row, its alert decision, the
    # tick's outcome): worked out once.
    worst_drift: Decimal = field(init=False, repr=False, compare=False)
    needs_rebalancing: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        worst = max((abs(c.drift) for c in self.classes), default=ZERO)
        object.__setattr__(self, "worst_drift", worst)
        breaching = any(c.needs_rebalancing for c in self.classes) or any(
            e.breach is not None for e in self.currency_exposure
        )
        object.__setattr__(self, "needs_rebalancing", breaching)

    @property
    def total_drift(self) -> Decimal:
        """Sum of |drift| over the classes holdings sit in (all of them, without sub-classes)."""
        return total(abs(c.drift) for c in self.classes if c.leaf)

    @property
    def breaching(self) -> tuple[ClassAllocation, ...]:
        return tuple(c for c in self.classes if c.needs_rebalancing)

    @property
    def below_minimum(self) -> tuple[ClassAllocation, ...]:
        return tuple(c for c in self.classes if c.below_minimum)

    @property
    def currency_breaches(self) -> tuple[CurrencyExposure, ...]:
        return tuple(e for e in self.currency_exposure if e.breach is not None)

    @property
    def alerts(self) -> list[str]:
        return [c.alert_line() for c in self.breaching] + [
            e.alert_line() for e in self.currency_breaches
        ]

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
                amount_to_band_edge=c.amount_to_band_edge,
            )
            for c in self.breaching
        )

    def target_of(self, asset_class: str) -> ClassAllocation:
        return next(c for c in self.classes if c.asset_class == asset_class)
