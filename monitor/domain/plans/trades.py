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
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

from monitor.domain.allocation import Action, AllocationReport, Holding
from monitor.domain.numbers import ZERO, total
from monitor.domain.plans.levelling import rungs_above_level, to_cents, water_fill
from monitor.domain.targets import ClassTarget

SHARE_PLACES = Decimal("0.00000001")  # how fractional share counts are shown
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


@dataclass
class BuyLeg:
    """One class's buy while it is being fitted to the cash: a symbol, or money alone."""

    asset_class: str
    wanted: Decimal
    symbol: str | None
    price: Decimal | None
    whole: bool
    amount: Decimal = ZERO

    @property
    def shares(self) -> Decimal | None:
        if self.price is None or self.symbol is None:
            return None
        if self.whole:
            return (self.amount / self.price).to_integral_value()
        return (self.amount / self.price).quantize(SHARE_PLACES)

    def trade(self) -> Trade | None:
        if self.symbol is None or self.amount <= 0:
            return None
        return Trade(self.asset_class, self.symbol, "BUY", self.amount, self.shares, self.price)


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
        bought = leg.trade()
        trades[leg.asset_class] = (bought,) if bought is not None else ()
        signed[leg.asset_class] = leg.amount
    return Placement(signed, trades, tuple(skipped))


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


def whole_shares_in(amount: Decimal, price: Decimal) -> Decimal:
    return (amount / price).to_integral_value(rounding=ROUND_FLOOR) * price


def fit_to_budget(legs: list[BuyLeg], budget: Decimal) -> None:
    """Trim the buys to ``budget``, then spend what whole shares left on shares that bring
    a class closer to its wanted amount.

    Share by share: a share comes off the class most over what it wanted (the dearer on a
    tie), and one is added to the class furthest under it while one fits. The shares down
    to one level are taken or added at once (``rungs_above_level``): a share at a millionth
    of the amount costs no more passes than one at half of it.
    """
    for leg in legs:
        if not leg.whole:
            leg.amount = leg.wanted
    over = total(leg.amount for leg in legs) - budget
    money = {leg.asset_class: leg.amount for leg in legs if not leg.whole}
    if over > 0 and money:
        keep = max(ZERO, total(money.values()) - over)
        trimmed = to_cents(water_fill(money, keep), keep)
        for leg in legs:
            if not leg.whole:
                leg.amount = trimmed[leg.asset_class]
        over = total(leg.amount for leg in legs) - budget
    shares = [leg for leg in legs if leg.whole and leg.price]
    if over > 0:
        # Every share above the level where what is left to trim is at most one share a
        # class: off at once; the loop below takes those last ones in their order.
        ladders = [(leg.amount - leg.wanted, price_of(leg), held_shares(leg)) for leg in shares]
        over -= move_shares(shares, rungs_above_level(ladders, over, strictly=True), -1)
    while over > 0:
        # One share less where the class is most over what it wanted.
        held = [leg for leg in shares if leg.amount > 0]
        if not held:
            break  # cannot happen: the money legs are trimmed first, to cents below budget
        leg = max(held, key=lambda leg: (leg.amount - leg.wanted, price_of(leg)))
        over -= move_shares([leg], [1], -1)
    spare = -over
    while fitting := wanting_a_share(shares, spare):
        # While every fitting class can still afford a share, the shares furthest under what
        # their class wanted go in at once, down to one level; then one at a time.
        dearest = max(price_of(leg) for leg in fitting)
        ladders = [(leg.wanted - leg.amount, price_of(leg), shares_wanted(leg)) for leg in fitting]
        added = move_shares(fitting, rungs_above_level(ladders, spare - dearest, strictly=False), 1)
        if not added:
            leg = max(fitting, key=lambda leg: leg.wanted - leg.amount)
            added = move_shares([leg], [1], 1)
        spare -= added


def price_of(leg: BuyLeg) -> Decimal:
    return leg.price or ZERO  # a leg in whole shares has a price


def held_shares(leg: BuyLeg) -> int:
    return int((leg.amount / price_of(leg)).to_integral_value())


def shares_wanted(leg: BuyLeg) -> int:
    """How many more shares each bring the class closer to what it wanted (while the
    shortfall is more than half a share)."""
    price = price_of(leg)
    more = ((leg.wanted - leg.amount) * 2 - price) / (price * 2)
    return max(0, int(more.to_integral_value(rounding=ROUND_CEILING)))


def wanting_a_share(legs: list[BuyLeg], spare: Decimal) -> list[BuyLeg]:
    """The legs where one more share fits in ``spare`` and brings the class closer."""
    return [leg for leg in legs if price_of(leg) <= spare and shares_wanted(leg) > 0]


def move_shares(legs: list[BuyLeg], counts: list[int], sign: int) -> Decimal:
    """Add (``sign`` 1) or take off (-1) ``counts`` shares of each leg; what they cost."""
    moved = ZERO
    for leg, count in zip(legs, counts, strict=True):
        cost = count * price_of(leg)
        leg.amount += sign * cost
        moved += cost
    return moved
