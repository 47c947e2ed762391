"""The allocation engine: holdings + targets -> an ``AllocationReport``.

Pure: no I/O, no clock, no database. Money and percents are ``Decimal`` at full precision
inside; rounding to two places (half-up) happens only where values are shown. Targets (a
tree of classes, with options) live in ``targets``, bands and the drift policy in ``bands``,
holdings and how they split across classes in ``holdings``, the report in ``reports``; their
names are re-exported here for the code that imports them from the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from monitor.domain.bands import DEFAULT_THRESHOLD, Band, BreachRule, DriftPolicy
from monitor.domain.exposure import CurrencyTargets, currency_exposure
from monitor.domain.fx import Rate, RateTable, in_base
from monitor.domain.holdings import Holding, all_slices, is_own_leaf, make_holding
from monitor.domain.numbers import (
    CENT,
    HUNDRED,
    ZERO,
    check_size,
    normalise_class,
    round2,
    to_decimal,
    total,
)
from monitor.domain.reports import Action, AllocationReport, ClassAllocation, RebalancingAction
from monitor.domain.targets import TARGET_SUM_TOLERANCE, Targets, parse_targets
from monitor.errors import InputError

__all__ = [
    "CENT",
    "DEFAULT_TARGETS",
    "DEFAULT_THRESHOLD",
    "HUNDRED",
    "SMALLEST_TOTAL",
    "TARGET_SUM_TOLERANCE",
    "Action",
    "AllocationReport",
    "Allocator",
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

LABEL, WEIGHTS = attrgetter("asset_class"), attrgetter("weights")


def class_values(holdings: Iterable[Holding]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for holding in holdings:
        values[holding.asset_class] = values.get(holding.asset_class, ZERO) + holding.value
    return values


# Below a cent every amount and every trade rounds to 0.00: such a portfolio is worth
# nothing, as an empty one is, wherever it comes from (the API, ``check``, a tick).
SMALLEST_TOTAL = CENT


def portfolio_total(holdings_value: Decimal, portfolio_value: Decimal | None) -> Decimal:
    # Each number is below the limit, but many holdings (or a quantity x a price) add up;
    # past the limit the sum cannot even be shown to two places.
    check_size(holdings_value, "holdings", what="the holdings' sum ")
    if portfolio_value is None:
        found = holdings_value
    elif holdings_value - portfolio_value > CENT:
        raise InputError(
            "portfolio_value",
            f"{portfolio_value} is below the holdings' sum {round2(holdings_value)}",
        )
    else:
        found = check_size(max(portfolio_value, holdings_value), "portfolio_value")
    if found < SMALLEST_TOTAL:
        raise InputError(
            "holdings" if portfolio_value is None else "portfolio_value",
            f"the portfolio is worth nothing (total value {found.normalize():f}, less than a "
            "cent); nothing to allocate",
        )
    return found


def compute_allocation(
    holdings: Sequence[Holding],
    targets: Mapping[str, Decimal],
    policy: DriftPolicy = DriftPolicy(),
    portfolio_value: Decimal | None = None,
    *,
    base_currency: str | None = None,
    rates: RateTable | None = None,
    currency_targets: CurrencyTargets | None = None,
) -> AllocationReport:
    """Compare holdings with targets; see DESIGN.md "Domain semantics" for every rule.

    ``targets`` is a ``Targets`` (options, sub-classes) or plain ``{class: percent}``. Each
    holding counts in the classes it names, split by its weights and by sub-class weights;
    ``report.holdings`` are those single-class slices. With a ``base_currency``, holdings in
    other currencies are converted into it by ``rates`` first (``portfolio_value`` is in it).
    """
    converted = in_base(holdings, base_currency, rates)
    if currency_targets is not None and converted.base_currency is None:
        raise InputError("currency_targets", "currency targets need a base_currency")
    return Allocator(targets, policy, currency_targets).report(
        converted.holdings,
        portfolio_value,
        base_currency=converted.base_currency,
        fx_rates=converted.rates,
    )


@dataclass(frozen=True, slots=True)
class ClassRule:
    """What a class's allocation takes from the targets and the policy alone."""

    target_percent: Decimal
    band: Band
    band_lower: Decimal
    band_upper: Decimal
    parent: str | None
    leaf: bool


class Allocator:
    """``compute_allocation`` for many portfolios against the same targets and policy (a
    tick of 10,000 accounts): what depends on those alone (each class's target, band and
    place in the tree, which labels need no slicing) is worked out once, not per report."""

    def __init__(
        self,
        targets: Mapping[str, Decimal],
        policy: DriftPolicy = DriftPolicy(),
        currency_targets: CurrencyTargets | None = None,
    ) -> None:
        self.goal = Targets.flat(targets)
        self.policy = policy
        self.currency_targets = currency_targets
        self._targeted = frozenset(self.goal)
        self._plain: dict[str, bool] = {}
        # By the classes held without a target, in the order held: the report's classes
        # (in order, with their rules), and the (class, parent) pairs to sum bottom-up.
        self._trees: dict[
            tuple[str, ...], tuple[list[tuple[str, ClassRule]], list[tuple[str, str]]]
        ] = {}

    def report(
        self,
        holdings: Sequence[Holding],
        portfolio_value: Decimal | None = None,
        *,
        base_currency: str | None = None,
        fx_rates: tuple[Rate, ...] = (),
    ) -> AllocationReport:
        """The report of ``holdings``, each valued in ``base_currency`` already (``in_base``);
        with one, the report has its currency exposure (single-currency mode has none)."""
        pieces = self.slices(holdings)
        held = class_values(pieces)
        holdings_value = total(held.values())
        whole = portfolio_total(holdings_value, portfolio_value)
        targeted = self._targeted
        rules, sums = self.tree(tuple(klass for klass in held if klass not in targeted))
        values = dict.fromkeys([klass for klass, _ in rules], ZERO) | held
        for klass, parent in sums:  # children come after their parent: sum bottom-up
            values[parent] += values[klass]
        return AllocationReport(
            portfolio_value=whole,
            holdings_value=holdings_value,
            unallocated_value=whole - holdings_value,
            classes=tuple(
                self.allocation(klass, rule, values[klass], whole) for klass, rule in rules
            ),
            policy=self.policy,
            holdings=tuple(pieces),
            targets=self.goal,
            base_currency=base_currency,
            fx_rates=fx_rates,
            currency_exposure=()
            if base_currency is None
            else currency_exposure(
                pieces, base_currency, whole, self.currency_targets, self.policy
            ),
        )

    def slices(self, holdings: Sequence[Holding]) -> Sequence[Holding]:
        """``all_slices``, with its common case (no weights, every label a leaf class of
        its own) checked against the labels seen before."""
        plain = self._plain
        for label in set(map(LABEL, holdings)):
            if label not in plain:
                plain[label] = is_own_leaf(label, self.goal)
            if not plain[label]:
                return all_slices(holdings, self.goal)
        if set(map(WEIGHTS, holdings)) <= {None}:
            return holdings
        return all_slices(holdings, self.goal)

    def tree(
        self, untargeted: tuple[str, ...]
    ) -> tuple[list[tuple[str, ClassRule]], list[tuple[str, str]]]:
        found = self._trees.get(untargeted)
        if found is None:
            order, parents = class_tree(self.goal, untargeted)
            has_children = {parent for parent in parents.values() if parent is not None}
            rules = [
                (klass, self.rule(klass, parents[klass], klass not in has_children))
                for klass in order
            ]
            sums = [(k, p) for k in reversed(order) if (p := parents[k]) is not None]
            found = self._trees[untargeted] = (rules, sums)
        return found

    def rule(self, klass: str, parent: str | None, leaf: bool) -> ClassRule:
        spec = self.goal.spec(klass)
        target_percent = spec.percent
        band = self.policy.band_for(spec)
        return ClassRule(
            target_percent=target_percent,
            band=band,
            band_lower=max(ZERO, target_percent - band.below),
            band_upper=min(HUNDRED, target_percent + band.above),
            parent=parent,
            leaf=leaf,
        )

    def allocation(
        self, klass: str, rule: ClassRule, value: Decimal, whole: Decimal
    ) -> ClassAllocation:
        policy, band, target_percent = self.policy, rule.band, rule.target_percent
        current_percent = value / whole * HUNDRED
        target_value = whole * target_percent / HUNDRED
        drift = current_percent - target_percent
        fired = policy.classify(drift, band)
        edge_value = whole * (target_percent + policy.edge_drift(drift, band)) / HUNDRED
        goal_value = whole * (target_percent + policy.goal_drift(drift, band)) / HUNDRED
        # A breach whose trade back is smaller than the minimum trade is not worth an alert.
        too_small = fired is not None and abs(goal_value - value) < policy.min_trade
        return ClassAllocation(
            asset_class=klass,
            current_value=value,
            current_percent=current_percent,
            target_percent=target_percent,
            target_value=target_value,
            difference=value - target_value,
            drift=drift,
            breach=None if too_small else fired,
            rule_fired=fired,
            below_minimum=too_small,
            band_lower=rule.band_lower,
            band_upper=rule.band_upper,
            band=band,
            edge_value=edge_value,
            goal_value=goal_value,
            parent=rule.parent,
            leaf=rule.leaf,
        )


def class_tree(goal: Targets, untargeted: Iterable[str]) -> tuple[list[str], dict[str, str | None]]:
    """Every class in report order, each parent followed by its children (targeted first,
    then those held without a target), then top-level classes held without one; and the
    parent of each."""
    parents: dict[str, str | None] = {name: goal.spec(name).parent for name in goal}
    under: dict[str | None, list[str]] = {}
    for klass in untargeted:
        parents[klass] = goal.parent_of_untargeted(klass)
        under.setdefault(parents[klass], []).append(klass)
    order: list[str] = []

    def visit(name: str) -> None:
        order.append(name)
        for child in goal.spec(name).children:
            visit(child)
        order.extend(under.get(name, []))

    for name in goal.top_level:
        visit(name)
    order.extend(under.get(None, []))
    return order, parents
