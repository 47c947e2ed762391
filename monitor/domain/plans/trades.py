"""Class amounts -> trades in holdings: which symbols, how many shares, what cash is left.

Sells take from a class's largest holding first; buys go to the class's designated ``buy``
symbol, else its largest holding. A holding with a quantity and a price trades whole shares
(fractions when its class says ``fractional``); one with a value alone trades money. Buys
never spend more than the cash the sells raise plus the cash available, and no trade is
smaller than the minimum trade. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Literal

from monitor.domain.allocation import Action, AllocationReport, Holding
from monitor.domain.numbers import SHARE_PLACES, ZERO, total
from monitor.domain.plans.fitting import BuyLeg, fit_to_budget, whole_shares_in
from monitor.domain.targets import ClassTarget

SellRounding = Literal["nearest", "up"]


@dataclass(frozen=True, slots=True)
class Trade:
    asset_class: str
    symbol: str
    side: Action
    amount: Decimal
    shares: Decimal | None = None  # None: a holding known by its value alone
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SkippedTrade:
    """A trade left out because it is below the minimum trade."""

    asset_class: str
    side: Action
    amount: Decimal
    symbol: str | None = None  # None: the class's whole trade


@dataclass(frozen=True, slots=True)
class Placement:
    amounts: dict[str, Decimal]  # per class, signed: buys positive, sells negative
    trades: dict[str, tuple[Trade, ...]]
    skipped: tuple[SkippedTrade, ...]


def in_shares(holding: Holding) -> bool:
    return holding.quantity is not None and holding.price is not None and holding.price > 0


def tradable(holdings: Iterable[Holding]) -> list[Holding]:
    """Holdings a plan may trade: a holding spanning classes would move them all at once."""
    return [h for h in holdings if h.weights is None]


def sellable_classes(report: AllocationReport) -> set[str]:
    """Classes a plan may sell from: those holding something tradable, and their parents
    (a class held only through holdings that span classes has nothing a plan may sell)."""
    found = {h.asset_class for h in tradable(report.holdings) if h.value > 0}
    for c in reversed(report.classes):  # children come after their parent
        if c.asset_class in found and c.parent is not None:
            found.add(c.parent)
    return found


def place_trades(
    report: AllocationReport,
    amounts: dict[str, Decimal],
    *,
    available: Decimal,
    min_trade: Decimal,
    sell_rounding: SellRounding,
) -> Placement:
    """Trades for signed class ``amounts`` (in cents); buys fit ``available`` + what sells raise."""
    holdings = by_class(tradable(report.holdings))
    signed = dict.fromkeys(amounts, ZERO)
    trades: dict[str, tuple[Trade, ...]] = {}
    skipped: list[SkippedTrade] = []
    for klass, amount in amounts.items():
        if amount < 0:
            spec = report.targets.spec(klass)
            found = sell_trades(spec, holdings.get(klass, []), -amount, min_trade, sell_rounding)
            trades[klass] = tuple(t for t in found if isinstance(t, Trade))
            skipped.extend(t for t in found if isinstance(t, SkippedTrade))
            signed[klass] = -total(t.amount for t in trades[klass])
    # Never buy what the plan sells (the same symbol labelled with two classes).
    sold = {t.symbol for found in trades.values() for t in found}
    legs = [
        buy_leg(
            report.targets.spec(klass),
            [h for h in holdings.get(klass, []) if h.symbol not in sold],
            amount,
            sold,
        )
        for klass, amount in amounts.items()
        if amount > 0
    ]
    fit_to_budget(legs, available - total(signed.values()))  # the cash plus what sells raise
    for leg in legs:
        if 0 < leg.amount < min_trade:
            skipped.append(SkippedTrade(leg.asset_class, "BUY", leg.amount, leg.symbol))
            leg.amount = ZERO
        bought = buy_trade(leg)
        trades[leg.asset_class] = (bought,) if bought is not None else ()
        signed[leg.asset_class] = leg.amount
    return Placement(signed, trades, tuple(skipped))


def buy_trade(leg: BuyLeg) -> Trade | None:
    if leg.symbol is None or leg.amount <= 0:
        return None
    return Trade(leg.asset_class, leg.symbol, "BUY", leg.amount, leg.shares, leg.price)


def by_class(holdings: Iterable[Holding]) -> dict[str, list[Holding]]:
    grouped: dict[str, list[Holding]] = {}
    for holding in holdings:
        grouped.setdefault(holding.asset_class, []).append(holding)
    return grouped


def largest_first(holdings: Iterable[Holding]) -> list[Holding]:
    return sorted(holdings, key=lambda h: (-h.value, h.symbol))


def sell_trades(
    spec: ClassTarget,
    holdings: Sequence[Holding],
    amount: Decimal,
    min_trade: Decimal,
    rounding: SellRounding,
) -> list[Trade | SkippedTrade]:
    """Sell ``amount`` from the largest holdings first; the last one sold rounds its shares
    (to the nearest, or up when the cash must be raised in full)."""
    found: list[Trade | SkippedTrade] = []
    remaining = amount
    for holding in largest_first(h for h in holdings if h.value > 0):
        covers = holding.value >= remaining
        trade = sell_from(spec, holding, remaining if covers else holding.value, covers, rounding)
        if trade is not None and trade.amount < min_trade:
            found.append(SkippedTrade(spec.name, "SELL", trade.amount, trade.symbol))
        elif trade is not None:
            found.append(trade)
            remaining -= trade.amount
        if covers or remaining <= 0:
            break
    return found


def sell_from(
    spec: ClassTarget, holding: Holding, amount: Decimal, partial: bool, rounding: SellRounding
) -> Trade | None:
    price = holding.price
    if not in_shares(holding) or price is None or holding.quantity is None:
        return Trade(spec.name, holding.symbol, "SELL", amount)
    if spec.fractional or not partial:
        shares = amount / price if partial else holding.quantity
        sold = amount if partial else holding.value
        return Trade(spec.name, holding.symbol, "SELL", sold, shares.quantize(SHARE_PLACES), price)
    mode = ROUND_CEILING if rounding == "up" else ROUND_HALF_UP
    shares = min((amount / price).to_integral_value(rounding=mode), holding.quantity)
    if shares <= 0:
        return None
    return Trade(spec.name, holding.symbol, "SELL", shares * price, shares, price)


def buy_leg(
    spec: ClassTarget, holdings: Sequence[Holding], amount: Decimal, sold: Collection[str]
) -> BuyLeg:
    """The class's designated symbol if it has one, else its largest holding."""
    if spec.buy is not None and spec.buy in sold:
        return BuyLeg(spec.name, amount, None, None, whole=False)
    if spec.buy is not None:
        chosen = next((h for h in holdings if h.symbol.lower() == spec.buy.lower()), None)
        if chosen is None:  # not held: its price is unknown, so the buy is in money
            return BuyLeg(spec.name, amount, spec.buy, None, whole=False)
    else:
        ranked = largest_first(holdings)
        chosen = ranked[0] if ranked else None
    if chosen is None:
        return BuyLeg(spec.name, amount, None, None, whole=False)
    whole = in_shares(chosen) and not spec.fractional
    price = chosen.price if in_shares(chosen) else None
    leg = BuyLeg(spec.name, amount, chosen.symbol, price, whole)
    leg.amount = whole_shares_in(amount, price) if whole and price is not None else amount
    return leg
