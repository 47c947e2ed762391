"""Invariants of rebalancing plans over generated portfolios, targets, bands and requests."""

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
from monitor.domain.plans import (
    PLAN_MODES,
    PLAN_TRADES,
    PlanRequest,
    RebalancingPlan,
    plan_rebalancing,
)
from tests.strategies import CLASSES, percent_split, plan_request, worth_something

money = st.decimals(min_value=0, max_value=10**7, places=2)
prices = st.decimals(min_value="0.5", max_value=5000, places=2)


@st.composite
def holdings(draw: st.DrawFn, *, in_shares: bool | None = None) -> list[Holding]:
    """One or two holdings per class, by value or by quantity and price."""
    found = []
    for klass in draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=5, unique=True)):
        for n in range(draw(st.integers(1, 2))):
            symbol = f"{klass[:3].upper()}{n}"
            by_shares = draw(st.booleans()) if in_shares is None else in_shares
            if by_shares:
                quantity = draw(st.integers(0, 2000))
                price = draw(prices)
                found.append(
                    make_holding(symbol, klass, quantity=quantity, price=price, where=symbol)
                )
            else:
                found.append(make_holding(symbol, klass, value=draw(money), where=symbol))
    return worth_something(found)


@st.composite
def targets(draw: st.DrawFn, held: list[Holding]) -> dict[str, object]:
    """Whole-percent targets summing to 100, some with a band, a buy symbol, fractions."""
    names = draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=5, unique=True))
    raw: dict[str, object] = {}
    for name, percent in percent_split(draw, names).items():
        options: dict[str, object] = {"target": percent}
        if draw(st.booleans()):
            options["min"] = max(0, percent - draw(st.integers(1, 10)))
            options["max"] = min(100, percent + draw(st.integers(1, 10)))
        symbols = [h.symbol for h in held if h.asset_class == name]
        if symbols and draw(st.booleans()):
            options["buy"] = draw(st.sampled_from([*symbols, "NEW"]))
        if draw(st.booleans()):
            options["fractional"] = True
        raw[name] = options if len(options) > 1 else percent
    return raw


policies = st.builds(
    DriftPolicy,
    threshold=st.integers(1, 10).map(Decimal),
    relative_threshold=st.none()
    | st.sampled_from([Decimal("0.1"), Decimal("0.25"), Decimal("0.5")]),
    min_trade=st.sampled_from([Decimal(0), Decimal(0), Decimal(50), Decimal(500)]),
)


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    in_shares: bool | None = None,
    modes: list[str] | None = None,
    trades: list[str] | None = None,
    policy: st.SearchStrategy[DriftPolicy] = policies,
    least: Decimal = Decimal(0),
) -> tuple[AllocationReport, RebalancingPlan, PlanRequest]:
    held = draw(holdings(in_shares=in_shares))
    goal = parse_targets(draw(targets(held)))
    extra = draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("1234.56")]))
    value = max(total(h.value for h in held) + extra, least)
    report = compute_allocation(held, goal, draw(policy), portfolio_value=value)
    request = plan_request(
        draw,
        report,
        modes=modes or PLAN_MODES,
        trades=trades or PLAN_TRADES,
        raise_shares=[Decimal(0), Decimal("0.1"), Decimal("0.5")],
        cash=money,
    )
    return report, plan_rebalancing(report, request), request


def class_values_after(report: AllocationReport, plan: RebalancingPlan) -> dict[str, Decimal]:
    """Apply the plan's trades (or, for a class without any, its money action)."""
    values = {c.asset_class: c.current_value for c in report.classes}
    for action in plan.actions:
        sign = 1 if action.action == "BUY" else -1
        moved = total(t.amount for t in action.trades) if action.trades else action.amount
        values[action.asset_class] += sign * moved
    return values


@settings(max_examples=300)
@given(cases())
def test_no_trade_is_below_the_minimum_trade(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    report, plan, _ = case
    minimum = report.policy.min_trade
    assert all(t.amount >= minimum and t.amount > 0 for t in plan.trades)
    assert all(a.amount >= minimum and a.amount > 0 for a in plan.actions)


@settings(max_examples=200)
@given(cases(modes=["buy_only"]))
def test_buy_only_never_sells_and_never_buys_more_than_the_cash(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    report, plan, request = case
    assert all(a.action == "BUY" for a in plan.actions)
    assert all(t.side == "BUY" for t in plan.trades)
    assert plan.bought <= request.cash + report.unallocated_value


@settings(max_examples=200)
@given(cases(modes=["sell_only"]))
def test_sell_only_never_buys(case: tuple[AllocationReport, RebalancingPlan, PlanRequest]) -> None:
    _, plan, _ = case
    assert all(a.action == "SELL" for a in plan.actions)
    assert plan.bought == 0


@settings(max_examples=300)
@given(cases())
def test_every_plan_balances_and_conserves_money_to_the_cent(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    report, plan, request = case
    assert plan.leftover >= 0
    assert plan.bought == plan.sold + plan.available - plan.leftover
    values = class_values_after(report, plan)
    # Every unit of money is somewhere after the plan: in a class, or in the cash left.
    assert total(values.values()) + plan.leftover == report.portfolio_value + request.cash
    for action in plan.actions:
        if action.trades:
            assert total(t.amount for t in action.trades) == action.amount


@settings(max_examples=300)
@given(cases())
def test_trades_respect_holdings_shares_and_prices(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    report, plan, _ = case
    held = {(h.asset_class, h.symbol): h for h in report.holdings}
    for trade in plan.trades:
        holding = held.get((trade.asset_class, trade.symbol))
        if trade.side == "SELL":
            assert holding is not None and trade.amount <= holding.value
            if trade.shares is not None and holding.quantity is not None:
                assert trade.shares <= holding.quantity
        whole = not report.targets.spec(trade.asset_class).fractional
        if trade.shares is not None and trade.price is not None and whole:
            assert trade.shares == trade.shares.to_integral_value()
            assert trade.amount == trade.shares * trade.price


@settings(max_examples=300)
@given(cases())
def test_after_the_plan_each_class_is_in_its_band_or_named_with_a_reason(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    report, plan, request = case
    values = class_values_after(report, plan)
    withdrawn = min(request.raise_cash, plan.leftover)
    after_total = report.portfolio_value + request.cash - withdrawn
    if after_total <= 0:
        return
    after = compute_allocation(
        [Holding(k, k, v) for k, v in values.items() if v > 0],
        report.targets,
        DriftPolicy(report.policy.threshold, report.policy.relative_threshold),
        portfolio_value=after_total,
    )
    outside = {c.asset_class for c in after.classes if c.rule_fired is not None}
    named = {u.asset_class for u in plan.unresolved}
    assert outside == named
    assert all(u.message for u in plan.unresolved)


@settings(max_examples=300)
@given(
    cases(
        in_shares=False,
        modes=["buy_and_sell"],
        trades=["all"],  # trading breaching classes only, one may lack the cash to buy
        policy=policies.map(lambda p: DriftPolicy(p.threshold, p.relative_threshold)),
        least=Decimal(1000),  # so that a cent of rounding is far below any band
    )
)
def test_buy_and_sell_in_money_without_a_minimum_brings_every_class_into_band(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    _, plan, _ = case
    assert plan.unresolved == ()
    assert all(abs(d) < 10 for d in plan.resulting_drift.values())


@settings(max_examples=300)
@given(
    cases(
        in_shares=False,
        modes=["sell_only"],
        trades=["all"],  # trading breaching classes only, they may not hold enough
        policy=policies.map(lambda p: DriftPolicy(p.threshold, p.relative_threshold)),
    )
)
def test_sell_only_in_money_raises_exactly_what_was_asked(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    _, plan, request = case
    if request.raise_cash == 0:
        return  # it sells the breaching classes back to target instead
    # Whatever it held beforehand (unallocated value) counts towards it; whole shares would
    # raise at least the amount, money raises it to the cent.
    assert plan.leftover == max(request.raise_cash, plan.available)


@settings(max_examples=300)
@given(cases(trades=["breaching"]))
def test_trading_breaching_classes_only_no_class_inside_its_band_gets_a_trade(
    case: tuple[AllocationReport, RebalancingPlan, PlanRequest],
) -> None:
    report, plan, request = case
    policy = report.policy
    # Bands are read at the total the plan leaves: new cash in, the cash to raise out.
    after = report.portfolio_value + request.cash - request.raise_cash
    for action in plan.actions:
        c = report.target_of(action.asset_class)
        band = policy.band_for(report.targets.spec(c.asset_class))
        drift = c.current_value / after * 100 - c.target_percent
        assert policy.classify(drift, band) is not None, action
