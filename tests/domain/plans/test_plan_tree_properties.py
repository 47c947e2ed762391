"""Invariants of plans over generated class trees, funds spanning classes and band rules."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.domain.allocation import (
    AllocationReport,
    DriftPolicy,
    Holding,
    compute_allocation,
    make_holding,
    parse_targets,
)
from monitor.domain.numbers import total
from monitor.domain.plans import PLAN_TRADES, PlanRequest, RebalancingPlan, plan_rebalancing
from tests.strategies import percent_split, plan_request, worth_something

TOP = ["stocks", "bonds", "cash"]
SUB = ["us", "intl", "em"]
money = st.decimals(min_value=0, max_value=10**6, places=2)


@st.composite
def trees(draw: st.DrawFn) -> dict[str, object]:
    """Top-level targets; stocks sometimes split into sub-classes, some with a band."""
    tops = percent_split(
        draw, draw(st.lists(st.sampled_from(TOP), min_size=1, max_size=3, unique=True))
    )
    raw: dict[str, object] = {}
    for name, percent in tops.items():
        table: dict[str, object] = {"target": percent}
        if name == "stocks" and draw(st.booleans()):
            subs = draw(st.lists(st.sampled_from(SUB), min_size=1, max_size=3, unique=True))
            table["children"] = percent_split(draw, subs)
        if draw(st.booleans()):
            table["max"] = min(100, percent + draw(st.integers(1, 10)))
        raw[name] = table if len(table) > 1 else percent
    return raw


LABELS = [*TOP, *(f"stocks/{s}" for s in SUB), "gold"]


@st.composite
def holdings(draw: st.DrawFn) -> list[Holding]:
    found = []
    for n in range(draw(st.integers(1, 6))):
        symbol = f"S{n}"
        if draw(st.integers(0, 3)) == 0:  # a fund spanning two or three classes
            names = draw(st.lists(st.sampled_from(LABELS), min_size=2, max_size=3, unique=True))
            label: object = {k: v for k, v in percent_split(draw, names).items() if v} or names[0]
        else:
            label = draw(st.sampled_from(LABELS))
        if draw(st.booleans()):
            quantity, price = draw(st.integers(0, 500)), draw(st.integers(1, 400))
            found.append(make_holding(symbol, label, quantity=quantity, price=price, where=symbol))
        else:
            found.append(make_holding(symbol, label, value=draw(money), where=symbol))
    return worth_something(found)


@st.composite
def policies(draw: st.DrawFn) -> DriftPolicy:
    relative = draw(st.none() | st.sampled_from([Decimal("0.2"), Decimal("0.25")]))
    return DriftPolicy(
        threshold=Decimal(draw(st.integers(1, 8))),
        relative_threshold=relative,
        drift_rule="hybrid" if relative is not None and draw(st.booleans()) else "either",
        min_trade=draw(st.sampled_from([Decimal(0), Decimal(100)])),
        rebalance_to=draw(st.sampled_from(["target", "band_edge"])),
        tolerance=draw(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)])),
    )


Case = tuple[AllocationReport, RebalancingPlan, PlanRequest]


@st.composite
def cases(draw: st.DrawFn, trades: list[str] | None = None) -> Case:
    held = draw(holdings())
    report = compute_allocation(held, parse_targets(draw(trees())), draw(policies()))
    request = plan_request(
        draw,
        report,
        trades=trades or PLAN_TRADES,
        raise_shares=[Decimal(0), Decimal("0.2")],
        cash=money,
    )
    return report, plan_rebalancing(report, request), request


def leaf_values_after(report: AllocationReport, plan: RebalancingPlan) -> dict[str, Decimal]:
    values = {c.asset_class: c.current_value for c in report.classes if c.leaf}
    for action in plan.actions:
        sign = 1 if action.action == "BUY" else -1
        values[action.asset_class] += sign * action.amount
    return values


@settings(max_examples=300)
@given(cases())
def test_money_is_conserved_to_the_cent(case: Case) -> None:
    report, plan, request = case
    assert plan.leftover >= 0
    values = leaf_values_after(report, plan)
    assert total(values.values()) + plan.leftover == report.portfolio_value + request.cash
    assert all(a.asset_class in values for a in plan.actions)  # trades happen in leaves


@settings(max_examples=300)
@given(cases())
def test_no_holding_is_both_bought_and_sold(case: Case) -> None:
    _, plan, _ = case
    bought = {t.symbol for t in plan.trades if t.side == "BUY"}
    sold = {t.symbol for t in plan.trades if t.side == "SELL"}
    assert not bought & sold


@settings(max_examples=300)
@given(cases())
def test_a_holding_spanning_classes_is_never_traded(case: Case) -> None:
    report, plan, _ = case
    spanning = {h.symbol for h in report.holdings if h.weights is not None}
    assert not spanning & {t.symbol for t in plan.trades}


@settings(max_examples=300)
@given(cases())
def test_one_way_modes_trade_one_way(case: Case) -> None:
    _, plan, request = case
    sides = {a.action for a in plan.actions}
    if request.mode == "buy_only":
        assert sides <= {"BUY"}
    if request.mode == "sell_only":
        assert sides <= {"SELL"}


@settings(max_examples=300)
@given(cases())
def test_each_class_at_every_level_ends_in_band_or_is_named(case: Case) -> None:
    report, plan, request = case
    withdrawn = min(request.raise_cash, plan.leftover)
    after_total = report.portfolio_value + request.cash - withdrawn
    values = leaf_values_after(report, plan)
    if after_total <= 0:
        return
    after = compute_allocation(
        [Holding(k, k, v) for k, v in values.items() if v > 0],
        report.targets,
        DriftPolicy(
            report.policy.threshold,
            report.policy.relative_threshold,
            drift_rule=report.policy.drift_rule,
        ),
        portfolio_value=after_total,
    )
    outside = {c.asset_class for c in after.classes if c.rule_fired is not None}
    assert outside == {u.asset_class for u in plan.unresolved}


@settings(max_examples=300)
@given(cases(trades=["breaching"]))
def test_trading_breaching_classes_only_a_class_trades_only_below_one_out_of_band(
    case: Case,
) -> None:
    report, plan, request = case
    policy = report.policy
    after = report.portfolio_value + request.cash - request.raise_cash

    def out_of_band(name: str | None) -> bool:
        if name is None:
            return False
        c = report.target_of(name)
        drift = c.current_value / after * 100 - c.target_percent
        band = policy.band_for(report.targets.spec(name))
        return policy.classify(drift, band) is not None or out_of_band(c.parent)

    # A class outside its band trades, and a class whose parent trades shares its amount.
    assert all(out_of_band(a.asset_class) for a in plan.actions)
