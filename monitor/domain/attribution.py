"""Performance attribution by asset class between two valuations of one portfolio.

Pure: no I/O, no clock. Each class's value change splits into

- **market effect**: what prices did to what was already held, summed over holdings held at
  both ends with known quantity and prices: ``q0 * (p1 - p0)``;
- **flow effect**: money moved in or out: the rest of those holdings' change (buys and sells),
  plus holdings bought new (their end value) and holdings sold out (minus their start value);
- **unattributed**: what cannot be split for lack of data: holdings held at both ends
  without quantity or price, or a class whose holdings were not recorded at one end.

``market + flow + unattributed == change`` exactly, per class and in total.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from monitor.domain.allocation import Holding
from monitor.domain.targets import SEPARATOR

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Valuation:
    """One end of the period: class values, and the holdings behind them when recorded."""

    taken_at: datetime
    class_values: Mapping[str, Decimal]
    holdings: Sequence[Holding] | None  # None: not recorded, so classes cannot be opened


@dataclass(frozen=True, slots=True)
class ClassAttribution:
    asset_class: str
    start_value: Decimal
    end_value: Decimal
    market_effect: Decimal
    flow_effect: Decimal
    unattributed: Decimal

    @property
    def change(self) -> Decimal:
        return self.end_value - self.start_value


@dataclass(frozen=True, slots=True)
class Attribution:
    start_at: datetime
    end_at: datetime
    classes: tuple[ClassAttribution, ...]
    total: ClassAttribution  # its asset_class is "total"


def by_class(holdings: Iterable[Holding]) -> dict[str, dict[str, Holding]]:
    grouped: dict[str, dict[str, Holding]] = {}
    for holding in holdings:
        grouped.setdefault(holding.asset_class, {})[holding.symbol] = holding
    return grouped


def split_class(
    start: Mapping[str, Holding], end: Mapping[str, Holding]
) -> tuple[Decimal, Decimal]:
    """(market, flow) of one class's holdings; whatever is left over is unattributed."""
    market = flow = ZERO
    for symbol, before in start.items():
        after = end.get(symbol)
        if after is None:
            flow -= before.value
        elif before.quantity is not None and before.price is not None and after.price is not None:
            price_move = before.quantity * (after.price - before.price)
            market += price_move
            flow += after.value - before.value - price_move
    for symbol, after in end.items():
        if symbol not in start:
            flow += after.value
    return market, flow


def attribute(start: Valuation, end: Valuation) -> Attribution:
    """Split each class's change in value from ``start`` to ``end`` (see the module doc)."""
    names = list(start.class_values) + [k for k in end.class_values if k not in start.class_values]
    opened = start.holdings is not None and end.holdings is not None
    start_holdings = by_class(start.holdings or ())
    end_holdings = by_class(end.holdings or ())
    classes = []
    for name in names:
        start_value = start.class_values.get(name, ZERO)
        end_value = end.class_values.get(name, ZERO)
        market, flow = (
            split_class(start_holdings.get(name, {}), end_holdings.get(name, {}))
            if opened
            else (ZERO, ZERO)
        )
        classes.append(
            ClassAttribution(
                asset_class=name,
                start_value=start_value,
                end_value=end_value,
                market_effect=market,
                flow_effect=flow,
                unattributed=end_value - start_value - market - flow,
            )
        )
    classes = rolled_up(classes)
    known = set(names)
    top = [c for c in classes if parent_of(c.asset_class, known) is None]
    return Attribution(
        start_at=start.taken_at,
        end_at=end.taken_at,
        classes=tuple(classes),
        total=ClassAttribution(
            asset_class="total",
            start_value=sum((c.start_value for c in top), ZERO),
            end_value=sum((c.end_value for c in top), ZERO),
            market_effect=sum((c.market_effect for c in top), ZERO),
            flow_effect=sum((c.flow_effect for c in top), ZERO),
            unattributed=sum((c.unattributed for c in top), ZERO),
        ),
    )


def parent_of(name: str, names: Container[str]) -> str | None:
    """``stocks`` for ``stocks/us`` when both are classes of the portfolio (a target tree)."""
    parent = name.rpartition(SEPARATOR)[0]
    return parent if parent and parent in names else None


def rolled_up(classes: list[ClassAttribution]) -> list[ClassAttribution]:
    """A class with sub-classes holds nothing itself (its holdings sit in its children):
    its market and flow effects are its children's, deepest first."""
    found = {c.asset_class: c for c in classes}
    for name in sorted(found, key=lambda n: -n.count(SEPARATOR)):
        parent = parent_of(name, found)
        if parent is None:
            continue
        child, above = found[name], found[parent]
        market = above.market_effect + child.market_effect
        flow = above.flow_effect + child.flow_effect
        found[parent] = replace(
            above,
            market_effect=market,
            flow_effect=flow,
            unattributed=above.change - market - flow,
        )
    return [found[c.asset_class] for c in classes]
