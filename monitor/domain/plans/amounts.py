"""How much money each class buys or sells in a plan, level by level down the class tree.

At each level the siblings share their parent's amount (the top level shares the cash
available): ``buy_and_sell`` first brings the siblings outside their band to their goal and
levels what that frees or needs over the others; ``buy_only`` and ``sell_only`` level the
amount over the shortfalls or the excesses. A parent's amount is then shared by its
children the same way, down to the leaves, where the holdings are.

Trading ``breaching`` classes only, the levelling is among the siblings outside their band,
unless their parent trades: its amount is shared by all its children. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from decimal import ROUND_UP, Decimal
from typing import Literal

from monitor.domain.allocation import AllocationReport
from monitor.domain.bands import Band
from monitor.domain.numbers import CENT, HUNDRED, ZERO, total
from monitor.domain.plans.levelling import to_cents, to_cents_up, water_fill
from monitor.domain.plans.trades import sellable_classes

PlanTrade = Literal["all", "breaching"]
# Share a parent's amount among its children; the flag: whether the parent trades.
Share = Callable[[list[str], Decimal, bool], dict[str, Decimal]]


class PlanTree:
    """The report's classes as a tree, seen from the total after the plan's cash moves."""

    def __init__(
        self,
        report: AllocationReport,
        new_total: Decimal,
        frozen: Collection[str],
        trade: PlanTrade = "all",
    ) -> None:
        self.report = report
        self.new_total = new_total
        self.frozen = frozen
        self.trade = trade
        self.values = {c.asset_class: c.current_value for c in report.classes}
        self.percents = {c.asset_class: c.target_percent for c in report.classes}
        self.bands = {c.asset_class: c.band for c in report.classes}
        self.children: dict[str | None, list[str]] = {}
        for c in report.classes:
            self.children.setdefault(c.parent, []).append(c.asset_class)
        self.sellable = sellable_classes(report)
        self.tradable = {k for k in self.values if self.any_leaf(k, lambda x: x not in frozen)}

    def any_leaf(self, name: str, test: Callable[[str], bool]) -> bool:
        below = self.children.get(name)
        if not below:
            return test(name)
        return any(self.any_leaf(child, test) for child in below)

    def target(self, name: str) -> Decimal:
        return self.new_total * self.percents[name] / HUNDRED

    def drift_and_band(self, name: str) -> tuple[Decimal, Band]:
        """Its drift at the new total, and its band."""
        drift = self.values[name] / self.new_total * HUNDRED - self.percents[name]
        return drift, self.bands[name]

    def goal_move(self, name: str) -> Decimal:
        """To its goal when outside its band at the new total, else nothing."""
        policy = self.report.policy
        drift, band = self.drift_and_band(name)
        if policy.classify(drift, band) is None:
            return ZERO
        goal = self.percents[name] + policy.goal_drift(drift, band)
        move = self.new_total * goal / HUNDRED - self.values[name]
        return move if move > 0 or name in self.sellable else ZERO

    def levelled(self, names: list[str], parent_trades: bool) -> list[str]:
        """The siblings an amount is levelled over: all of them, unless the plan trades
        breaching classes only and their parent does not trade (the top level's parent, the
        cash, does not): then those outside their band."""
        if self.trade == "all" or parent_trades:
            return names
        policy = self.report.policy
        return [n for n in names if policy.classify(*self.drift_and_band(n)) is not None]

    def down(self, amounts: dict[str, Decimal], share: Share) -> dict[str, Decimal]:
        """Leaf amounts: each class with children shares its amount among them."""
        leaves: dict[str, Decimal] = {}
        for name, amount in amounts.items():
            if self.children.get(name):
                leaves |= share(self.children[name], amount, amount != 0)
            else:
                leaves[name] = amount
        return leaves

    def rebalance(
        self, names: list[str], budget: Decimal, parent_trades: bool = False
    ) -> dict[str, Decimal]:
        """buy_and_sell: out-of-band siblings to their goal, the rest levelled to ``budget``."""
        names = [n for n in names if n in self.tradable]
        moves = {n: self.goal_move(n) for n in names}
        after = {n: self.values[n] + moves[n] for n in names}
        balance = budget - total(moves.values())
        levelled = self.levelled(names, parent_trades)
        if balance > 0:
            extra = water_fill({n: self.target(n) - after[n] for n in levelled}, balance)
            moves = {n: moves[n] + extra.get(n, ZERO) for n in names}
        elif balance < 0:
            excess = {n: after[n] - self.target(n) for n in levelled if n in self.sellable}
            extra = water_fill(excess, -balance)
            moves = {n: moves[n] - extra.get(n, ZERO) for n in names}
        return self.down(moves, self.rebalance)

    def buy(
        self, names: list[str], budget: Decimal, parent_trades: bool = False
    ) -> dict[str, Decimal]:
        """buy_only: ``budget`` over the largest shortfalls."""
        names = self.levelled([n for n in names if n in self.tradable], parent_trades)
        gaps = {n: self.target(n) - self.values[n] for n in names}
        return self.down(water_fill(gaps, budget), self.buy)

    def sell(
        self, names: list[str], need: Decimal, parent_trades: bool = False, *, to_goal: bool
    ) -> dict[str, Decimal]:
        """sell_only: ``need`` from the largest excesses; with ``to_goal`` (no amount to
        raise), also every over-weight class outside its band back to its goal."""
        names = [n for n in names if n in self.tradable and n in self.sellable]
        base = {n: max(ZERO, -self.goal_move(n)) if to_goal else ZERO for n in names}
        levelled = self.levelled(names, parent_trades)
        excess = {n: self.values[n] - base[n] - self.target(n) for n in levelled}
        extra = water_fill(excess, need - total(base.values()))
        sells = {n: base[n] + extra.get(n, ZERO) for n in names}
        return self.down(
            sells, lambda below, amount, trades: self.sell(below, amount, trades, to_goal=to_goal)
        )


def class_amounts(
    report: AllocationReport,
    mode: str,
    cash: Decimal,
    raise_cash: Decimal,
    frozen: Collection[str],
    *,
    trade: PlanTrade = "all",
) -> dict[str, Decimal]:
    """Signed amounts per leaf class, in cents: buys positive, sells negative. Buys never
    exceed the cash available plus what the sells raise."""
    available = report.unallocated_value + cash
    tree = PlanTree(report, report.portfolio_value + cash - raise_cash, frozen, trade)
    top = tree.children.get(None, [])
    if mode == "buy_only":
        return to_cents(tree.buy(top, available), available)
    if mode == "sell_only" and raise_cash > 0:
        # What it raises is what was asked, to the cent (in whole shares, at least that).
        sells = to_cents_up(tree.sell(top, raise_cash - available, to_goal=False))
        return {k: -min(v, tree.values[k]) for k, v in sells.items() if v > 0}
    if mode == "sell_only":
        return sells_in_cents(tree.sell(top, raise_cash - available, to_goal=True), tree.values)
    moves = tree.rebalance(top, available)
    sells = sells_in_cents({k: -m for k, m in moves.items() if m < 0}, tree.values)
    buys = {k: m for k, m in moves.items() if m > 0}
    budget = available - total(sells.values())
    if total(buys.values()) > budget:
        # Classes that cannot sell (frozen, or held through funds) fund less: buy less,
        # levelled from the largest.
        buys = water_fill(buys, budget)
    return sells | to_cents(buys, budget)


def sells_in_cents(sells: dict[str, Decimal], held: dict[str, Decimal]) -> dict[str, Decimal]:
    """Sells as negative amounts, rounded up to the cent (never more than the class holds)."""
    return {
        k: -min(v.quantize(CENT, rounding=ROUND_UP), held[k]) for k, v in sells.items() if v > 0
    }
