"""The allocation engine: holdings + targets -> an ``AllocationReport``.

Pure: no I/O, no clock, no database. Money and percents are ``Decimal`` at full precision
inside; rounding to two places (half-up) happens only where values are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from monitor.errors import InputError

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Targets are written by hand (33.33 + 33.33 + 33.33); within this of 100 they are accepted
# and scaled to exactly 100 so that money is conserved.
TARGET_SUM_TOLERANCE = Decimal("0.01")

DEFAULT_TARGETS: dict[str, Decimal] = {
    "stocks": Decimal(50),
    "etfs": Decimal(15),
    "commodities": Decimal(15),
    "crypto": Decimal(10),
    "futures": Decimal(5),
    "cash": Decimal(5),
}
DEFAULT_THRESHOLD = Decimal(5)

Action = Literal["BUY", "SELL"]
BreachRule = Literal["absolute", "relative"]


def round2(value: Decimal) -> Decimal:
    """Round money or a percent for display: two places, half away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(raw: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """A finite ``Decimal`` from a JSON/CSV/TOML number or numeric string, or ``InputError``."""
    if isinstance(raw, bool) or raw is None:
        raise InputError(field, f"expected a number, got {raw!r}")
    try:
        # str() first so that a float such as 0.1 keeps its shortest decimal form.
        number = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace("_", ""))
    except (InvalidOperation, ValueError):
        raise InputError(field, f"expected a number, got {raw!r}") from None
    if not number.is_finite():
        raise InputError(field, f"must be a finite number, got {raw!r}")
    if number < 0 and not allow_negative:
        raise InputError(field, f"must not be negative, got {raw!r}")
    return number


def subfield(where: str, name: str) -> str:
    """``holdings.AAPL`` + ``value`` -> ``holdings.AAPL.value``; ``line 7`` -> ``line 7: value``."""
    return f"{where}: {name}" if where.startswith("line ") else f"{where}.{name}"


def normalise_class(name: object, field: str) -> str:
    """Asset class names compare trimmed and lower-case: ``" Stocks "`` is ``stocks``."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(field, "asset class must be a non-empty name")
    return name.strip().lower()


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


def parse_targets(raw: Mapping[str, object], field: str = "targets") -> dict[str, Decimal]:
    """Targets as ``{class: percent}``: names normalised, each 0..100, summing to 100."""
    if not raw:
        raise InputError(field, "at least one asset class target is needed")
    targets: dict[str, Decimal] = {}
    for name, percent in raw.items():
        klass = normalise_class(name, f"{field}.{name}")
        if klass in targets:
            raise InputError(f"{field}.{name}", f"asset class {klass!r} is given twice")
        value = to_decimal(percent, f"{field}.{name}")
        if value > HUNDRED:
            raise InputError(f"{field}.{name}", f"a target cannot exceed 100%, got {percent}")
        targets[klass] = value
    total = sum(targets.values(), Decimal(0))
    if abs(total - HUNDRED) > TARGET_SUM_TOLERANCE:
        raise InputError(field, f"targets must sum to 100, they sum to {total.normalize():f}")
    if total != HUNDRED:
        scaled = {klass: value * HUNDRED / total for klass, value in targets.items()}
        # The last class takes the division's residue, so the sum is exactly 100.
        last = next(reversed(scaled))
        scaled[last] = HUNDRED - sum((v for k, v in scaled.items() if k != last), Decimal(0))
        targets = scaled
    return targets


@dataclass(frozen=True, slots=True)
class DriftPolicy:
    """When a class needs rebalancing: |drift| > ``threshold`` percentage points, or, when
    ``relative_threshold`` is set, |drift| > that fraction of the class's target (5/25 rule)."""

    threshold: Decimal = DEFAULT_THRESHOLD
    relative_threshold: Decimal | None = None

    def breach(self, drift: Decimal, target_percent: Decimal) -> BreachRule | None:
        if abs(drift) > self.threshold:
            return "absolute"
        # A class with no target has no relative band; the absolute threshold governs it.
        relative = self.relative_threshold
        if relative is not None and target_percent > 0 and abs(drift) > relative * target_percent:
            return "relative"
        return None


@dataclass(frozen=True, slots=True)
class ClassAllocation:
    asset_class: str
    current_value: Decimal
    current_percent: Decimal
    target_percent: Decimal
    target_value: Decimal
    difference: Decimal
    drift: Decimal
    breach: BreachRule | None

    @property
    def needs_rebalancing(self) -> bool:
        return self.breach is not None

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


@dataclass(frozen=True, slots=True)
class AllocationReport:
    portfolio_value: Decimal
    holdings_value: Decimal
    unallocated_value: Decimal
    classes: tuple[ClassAllocation, ...]
    policy: DriftPolicy
    holdings: tuple[Holding, ...]

    @property
    def total_drift(self) -> Decimal:
        return sum((abs(c.drift) for c in self.classes), Decimal(0))

    @property
    def needs_rebalancing(self) -> bool:
        return any(c.needs_rebalancing for c in self.classes)

    @property
    def breaching(self) -> tuple[ClassAllocation, ...]:
        return tuple(c for c in self.classes if c.needs_rebalancing)

    @property
    def worst_drift(self) -> Decimal:
        return max((abs(c.drift) for c in self.classes), default=Decimal(0))

    @property
    def alerts(self) -> list[str]:
        return [c.alert_line() for c in self.breaching]

    @property
    def actions(self) -> tuple[RebalancingAction, ...]:
        return tuple(
            RebalancingAction(
                asset_class=c.asset_class,
                action="BUY" if c.difference < 0 else "SELL",
                amount=abs(c.difference),
                current_percent=c.current_percent,
                target_percent=c.target_percent,
                drift=c.drift,
            )
            for c in self.breaching
        )

    def target_of(self, asset_class: str) -> ClassAllocation:
        return next(c for c in self.classes if c.asset_class == asset_class)


def class_values(holdings: Iterable[Holding]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for holding in holdings:
        values[holding.asset_class] = values.get(holding.asset_class, Decimal(0)) + holding.value
    return values


def compute_allocation(
    holdings: Sequence[Holding],
    targets: Mapping[str, Decimal],
    policy: DriftPolicy = DriftPolicy(),
    portfolio_value: Decimal | None = None,
) -> AllocationReport:
    """Compare holdings with targets; see DESIGN.md "Domain semantics" for every rule."""
    held = class_values(holdings)
    holdings_value = sum(held.values(), Decimal(0))
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

    # Targeted classes first, in the order given, then classes held without a target.
    order = list(targets) + [klass for klass in held if klass not in targets]
    classes = []
    for klass in order:
        value = held.get(klass, Decimal(0))
        target_percent = targets.get(klass, Decimal(0))
        current_percent = value / total * HUNDRED
        target_value = total * target_percent / HUNDRED
        drift = current_percent - target_percent
        classes.append(
            ClassAllocation(
                asset_class=klass,
                current_value=value,
                current_percent=current_percent,
                target_percent=target_percent,
                target_value=target_value,
                difference=value - target_value,
                drift=drift,
                breach=policy.breach(drift, target_percent),
            )
        )
    return AllocationReport(
        portfolio_value=total,
        holdings_value=holdings_value,
        unallocated_value=total - holdings_value,
        classes=tuple(classes),
        policy=policy,
        holdings=tuple(holdings),
    )
