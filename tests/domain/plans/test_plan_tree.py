"""Plans over class trees and funds spanning classes, hand-computed."""

from __future__ import annotations

from decimal import Decimal

from monitor.domain.allocation import (
    DriftPolicy,
    Holding,
    compute_allocation,
    parse_targets,
    round2,
)
from monitor.domain.plans import PlanRequest, RebalancingPlan, plan_rebalancing
from tests.builders import TREE, holding

D = Decimal


def moves(plan: RebalancingPlan) -> list[tuple[str, str, Decimal]]:
    return [(a.action, a.asset_class, a.amount) for a in plan.actions]


def test_sub_classes_rebalance_inside_a_parent_on_target() -> None:
    # stocks 60% on target, but us 50% vs 42% and intl 10% vs 18%.
    held = [
        holding("VTI", "stocks/us", 5000),
        holding("VXUS", "stocks/intl", 1000),
        holding("BND", "bonds", 4000),
    ]
    plan = plan_rebalancing(compute_allocation(held, parse_targets(TREE)))
    assert moves(plan) == [("SELL", "stocks/us", D(800)), ("BUY", "stocks/intl", D(800))]
    assert {k: round2(v) for k, v in plan.resulting_percent.items()} == {
        "stocks": D(60),
        "stocks/us": D(42),
        "stocks/intl": D(18),
        "bonds": D(40),
    }


def test_a_breaching_parent_is_traded_through_its_children() -> None:
    # stocks 66% breaches though us 46.2% and intl 19.8% do not: stocks sells 600, shared
    # by the children's excesses (420 and 180), and bonds buys it.
    held = [
        holding("VTI", "stocks/us", 4620),
        holding("VXUS", "stocks/intl", 1980),
        holding("BND", "bonds", 3400),
    ]
    plan = plan_rebalancing(compute_allocation(held, parse_targets(TREE)))
    assert moves(plan) == [
        ("SELL", "stocks/us", D(420)),
        ("SELL", "stocks/intl", D(180)),
        ("BUY", "bonds", D(600)),
    ]
    assert plan.unresolved == ()


def test_buy_only_fills_the_largest_shortfall_then_shares_it_among_children() -> None:
    held = [
        holding("VTI", "stocks/us", 2100),
        holding("VXUS", "stocks/intl", 900),
        holding("BND", "bonds", 4000),
    ]
    plan = plan_rebalancing(
        compute_allocation(held, parse_targets(TREE)), PlanRequest("buy_only", D(3000))
    )
    # New total 10,000: stocks short 3,000 (us 2,100, intl 900 short); bonds on target.
    assert moves(plan) == [("BUY", "stocks/us", D(2100)), ("BUY", "stocks/intl", D(900))]


def test_sell_only_raises_cash_from_the_children_of_the_heaviest_class() -> None:
    held = [
        holding("VTI", "stocks/us", 5600),
        holding("VXUS", "stocks/intl", 2400),
        holding("BND", "bonds", 2000),
    ]
    plan = plan_rebalancing(
        compute_allocation(held, parse_targets(TREE)),
        PlanRequest("sell_only", raise_cash=D(1000)),
    )
    # 9,000 remain: stocks should hold 5,400 (has 8,000) and sells the 1,000. Inside it, us
    # is 1,820 over its 3,780 and intl 780 over its 1,620: the larger excess goes first.
    assert moves(plan) == [("SELL", "stocks/us", D(1000))]


# The 60/40 fund in a three-class portfolio (15,000): stocks 10,000 (BAL's 6,000 + VTI),
# bonds 4,000 (all BAL), cash 1,000; targets 50 / 30 / 20.
FUND = [
    holding("BAL", {"stocks": 60, "bonds": 40}, 10000),
    holding("VTI", "stocks", 4000),
    holding("USD", "cash", 1000),
]
THREE = {"stocks": 50, "bonds": {"target": 30, "buy": "BND"}, "cash": 20}


def test_a_plan_trades_around_a_fund_spanning_classes() -> None:
    plan = plan_rebalancing(compute_allocation(FUND, parse_targets(THREE)))
    # stocks sells 2,500 (all from VTI), cash buys 2,000 back to 20%, and the 500 left
    # buys bonds (30%): BND, its designated symbol. BAL is neither bought nor sold.
    assert [(t.symbol, t.side, t.amount) for t in plan.trades] == [
        ("VTI", "SELL", D(2500)),
        ("BND", "BUY", D(500)),
        ("USD", "BUY", D(2000)),
    ]
    assert {k: round2(v) for k, v in plan.resulting_percent.items()} == {
        "stocks": D(50),
        "bonds": D(30),
        "cash": D(20),
    }


def test_a_class_held_only_through_a_fund_cannot_be_sold_and_says_so() -> None:
    held = [holding("BAL", {"stocks": 60, "bonds": 40}, 10000), holding("USD", "cash", 0)]
    plan = plan_rebalancing(
        compute_allocation(held, parse_targets({"stocks": 30, "bonds": 50, "cash": 20}))
    )
    assert plan.trades == ()
    assert [(u.asset_class, u.reason) for u in plan.unresolved] == [
        ("stocks", "spanning"),
        ("bonds", "not_enough_cash"),
        ("cash", "not_enough_cash"),
    ]


def test_a_symbol_sold_in_one_class_is_not_bought_in_another() -> None:
    # Two accounts label X differently; the plan sells X from stocks, so bonds buys BND.
    held = [
        Holding("X", "stocks", D(7000), account="a"),
        Holding("X", "bonds", D(2000), account="b"),
        Holding("BND", "bonds", D(1000), account="b"),
    ]
    plan = plan_rebalancing(compute_allocation(held, {"stocks": D(60), "bonds": D(40)}))
    assert [(t.symbol, t.side, t.amount) for t in plan.trades] == [
        ("X", "SELL", D(1000)),
        ("BND", "BUY", D(1000)),
    ]


def test_a_band_edge_plan_trades_less_than_one_to_target() -> None:
    held = [holding("VTI", "stocks", 75000), holding("BND", "bonds", 25000)]
    targets = {"stocks": D(60), "bonds": D(40)}
    policy = DriftPolicy(relative_threshold=D("0.2"), drift_rule="hybrid")
    to_target = plan_rebalancing(compute_allocation(held, targets, policy))
    edge = DriftPolicy(relative_threshold=D("0.2"), drift_rule="hybrid", rebalance_to="band_edge")
    to_edge = plan_rebalancing(compute_allocation(held, targets, edge))
    # Stocks alone would sell 9,000 (to 66%), bonds buy 11,000 (to 36%): the 2,000 more
    # comes from stocks' excess, leaving it at 64%.
    assert moves(to_target) == [("SELL", "stocks", D(15000)), ("BUY", "bonds", D(15000))]
    assert moves(to_edge) == [("SELL", "stocks", D(11000)), ("BUY", "bonds", D(11000))]
    assert round2(to_edge.resulting_percent["stocks"]) == D(64)
