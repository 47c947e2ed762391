"""Buys fitted to the cash: money buys levelled down to the cent, whole shares taken off
where a class is most over what it wanted and added where it is furthest under, a level at
a time. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from monitor.domain.numbers import SHARE_PLACES, ZERO, total
from monitor.domain.plans.levelling import rungs_above_level, to_cents, water_fill


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
    over = trim_money(legs, budget)
    shares = [leg for leg in legs if leg.whole and leg.price]
    add_shares(shares, -take_shares_off(shares, over))


def trim_money(legs: list[BuyLeg], budget: Decimal) -> Decimal:
    """The buys in money at what they want, levelled down to the cent if all the buys pass
    ``budget``; by how much they still pass it."""
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
    return over


def take_shares_off(shares: list[BuyLeg], over: Decimal) -> Decimal:
    """Shares off the classes most over what they wanted until the buys fit; by how much
    they still pass the budget (0 or less)."""
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
    return over


def add_shares(shares: list[BuyLeg], spare: Decimal) -> None:
    """Shares that bring their class closer to what it wanted, while one fits in ``spare``."""
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
