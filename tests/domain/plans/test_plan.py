"""Rebalancing plans, hand-computed: modes, whole shares, buy symbols, minimum trade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.domain.allocation import (
    AllocationReport,
    DriftPolicy,
    Holding,
    compute_allocation,
    make_holding,
    parse_targets,
    round2,
)
from monitor.domain.plans import PlanRequest, RebalancingPlan, plan_buy_only, plan_rebalancing
from monitor.errors import InputError

D = Decimal


def shares(symbol: str, asset_class: str, quantity: str | int, price: str | int) -> Holding:
    return make_holding(symbol, asset_class, quantity=quantity, price=price, where=symbol)


def valued(symbol: str, asset_class: str, value: str | int) -> Holding:
    return make_holding(symbol, asset_class, value=value, where=symbol)


# 10,000: stocks 7,000 (70%: VTI 24 x 250 + VXUS 20 x 50), bonds 3,000 (BND 10 x 80 +
# AGG 22 x 100); targets 60/40, bonds bought as BND although AGG is the larger holding.
TEN_THOUSAND = [
    shares("VTI", "stocks", 24, 250),
    shares("VXUS", "stocks", 20, 50),
    shares("BND", "bonds", 10, 80),
    shares("AGG", "bonds", 22, 100),
]
SIXTY_FORTY = {"stocks": 60, "bonds": {"target": 40, "buy": "BND"}}


def report_of(
    holdings: list[Holding], targets: dict[str, object], **policy: Decimal
) -> AllocationReport:
    return compute_allocation(holdings, parse_targets(targets), DriftPolicy(**policy))


def trades_of(plan: RebalancingPlan) -> list[tuple[str, str, Decimal | None, Decimal]]:
    return [(t.symbol, t.side, t.shares, t.amount) for t in plan.trades]


def percents(plan: RebalancingPlan) -> dict[str, Decimal]:
    return {k: round2(v) for k, v in plan.resulting_percent.items()}


def test_buy_and_sell_sells_the_largest_holding_and_buys_the_designated_symbol() -> None:
    plan = plan_rebalancing(report_of(TEN_THOUSAND, SIXTY_FORTY))
    # Sell 1,000 of stocks: 4 VTI. Buy 1,000 of bonds: 12.5 BND, so 12 whole shares.
    assert trades_of(plan) == [("VTI", "SELL", D(4), D(1000)), ("BND", "BUY", D(12), D(960))]
    assert (plan.sold, plan.bought, plan.leftover) == (D(1000), D(960), D(40))
    assert percents(plan) == {"stocks": D("60.00"), "bonds": D("39.60")}
    assert plan.unresolved == ()


def test_buys_go_to_the_largest_holding_without_a_designated_symbol() -> None:
    plan = plan_rebalancing(report_of(TEN_THOUSAND, {"stocks": 60, "bonds": 40}))
    assert trades_of(plan)[-1] == ("AGG", "BUY", D(10), D(1000))
    assert plan.leftover == 0


def test_buy_only_invests_new_cash_in_whole_shares_and_reports_the_leftover() -> None:
    plan = plan_rebalancing(report_of(TEN_THOUSAND, SIXTY_FORTY), PlanRequest("buy_only", D(1000)))
    # New total 11,000: bonds is 1,400 short, stocks over; 1,000 buys 12 BND.
    assert trades_of(plan) == [("BND", "BUY", D(12), D(960))]
    assert (plan.sold, plan.leftover) == (D(0), D(40))
    assert percents(plan) == {"stocks": D("63.64"), "bonds": D("36.00")}


def test_sell_only_raises_the_cash_from_the_most_over_weight_class() -> None:
    plan = plan_rebalancing(
        report_of(TEN_THOUSAND, SIXTY_FORTY), PlanRequest("sell_only", raise_cash=D(2000))
    )
    # After taking 2,000 out, 8,000 remain: stocks should hold 4,800 (has 7,000).
    assert trades_of(plan) == [("VTI", "SELL", D(8), D(2000))]
    assert (plan.bought, plan.leftover, plan.shortfall) == (D(0), D(2000), D(0))
    assert percents(plan) == {"stocks": D("62.50"), "bonds": D("37.50")}


def test_sell_only_rounds_shares_up_so_the_cash_is_raised_in_full() -> None:
    plan = plan_rebalancing(
        report_of(TEN_THOUSAND, SIXTY_FORTY), PlanRequest("sell_only", raise_cash=D(1900))
    )
    assert trades_of(plan) == [("VTI", "SELL", D(8), D(2000))]  # 7.6 shares -> 8
    assert plan.leftover >= D(1900)


@pytest.mark.parametrize(
    ("asked", "sold"),
    [
        # 7,654.33 left: the excesses over target, 2,172.835 of stocks and 703.701 of bonds,
        # levelled down by 265.433 each; the spare cent goes to the larger remainder.
        ("2345.67", [("VTI", D("1907.40")), ("BND", D("438.27"))]),
        ("2000.01", [("VTI", D("1700.01")), ("BND", D("300.00"))]),
    ],
)
def test_sell_only_in_money_raises_exactly_the_cash_asked(
    asked: str, sold: list[tuple[str, Decimal]]
) -> None:
    held = [
        valued("VTI", "stocks", 6000),
        valued("BND", "bonds", 3000),
        valued("USD", "cash", 1000),
    ]
    report = report_of(held, {"stocks": 50, "bonds": 30, "cash": 20})
    plan = plan_rebalancing(report, PlanRequest("sell_only", raise_cash=D(asked)))
    assert [(t.symbol, t.amount) for t in plan.trades] == sold
    assert (plan.sold, plan.leftover, plan.shortfall) == (D(asked), D(asked), D(0))


def test_sell_only_without_an_amount_sells_breaching_classes_back_to_target() -> None:
    plan = plan_rebalancing(report_of(TEN_THOUSAND, SIXTY_FORTY), PlanRequest("sell_only"))
    assert trades_of(plan) == [("VTI", "SELL", D(4), D(1000))]
    assert plan.unresolved[0].asset_class == "bonds"
    assert plan.unresolved[0].reason == "sell_only"


def test_a_sell_larger_than_the_largest_holding_continues_into_the_next() -> None:
    held = [
        shares("VXUS", "stocks", 24, 50),
        shares("VTI", "stocks", 4, 250),
        valued("BND", "bonds", 1000),
    ]
    plan = plan_rebalancing(report_of(held, {"stocks": 20, "bonds": 80}))
    # 3,200: stocks holds 2,200 and should hold 640. Sell 1,560: all 24 VXUS (1,200, the
    # larger holding), then 360 of VTI: 1.44 shares, so 1. Bonds buys what that raised.
    assert trades_of(plan) == [
        ("VXUS", "SELL", D(24), D(1200)),
        ("VTI", "SELL", D(1), D(250)),
        ("BND", "BUY", None, D(1450)),
    ]
    assert plan.leftover == 0


def test_fractional_classes_trade_the_exact_amount() -> None:
    held = [shares("VTI", "stocks", 36, 250), shares("BTC", "crypto", "0.025", 40000)]
    plan = plan_rebalancing(
        report_of(held, {"stocks": 80, "crypto": {"target": 20, "fractional": True}})
    )
    # 10,000: crypto holds 1,000 and should hold 2,000; stocks sells 4 VTI for it.
    assert trades_of(plan) == [
        ("VTI", "SELL", D(4), D(1000)),
        ("BTC", "BUY", D("0.025"), D(1000)),
    ]
    assert plan.leftover == 0


def test_holdings_known_by_value_trade_money_not_shares() -> None:
    held = [valued("VTI", "stocks", 7000), valued("BND", "bonds", 3000)]
    plan = plan_rebalancing(report_of(held, {"stocks": 60, "bonds": 40}))
    assert trades_of(plan) == [("VTI", "SELL", None, D(1000)), ("BND", "BUY", None, D(1000))]


def test_a_class_with_no_holding_is_bought_in_money_without_a_trade() -> None:
    held = [valued("VTI", "stocks", 9000)]
    plan = plan_rebalancing(report_of(held, {"stocks": 90, "cash": 10}), PlanRequest(cash=D(1000)))
    cash = next(a for a in plan.actions if a.asset_class == "cash")
    assert (cash.action, cash.amount, cash.trades) == ("BUY", D(1000), ())


def test_a_trade_below_the_minimum_is_left_out_and_the_rest_rebalanced() -> None:
    # stocks 66% and bonds 28.5% breach; cash 5.5% does not. Back to target, stocks sells
    # 600, bonds buys 650, and cash would sell 50 to pay for it: below the 100 minimum.
    held = [valued("VTI", "stocks", 6600), valued("BND", "bonds", 2850), valued("USD", "cash", 550)]
    report = report_of(
        held, {"stocks": 60, "bonds": 35, "cash": 5}, relative_threshold=D("0.25"), min_trade=D(100)
    )
    plan = plan_rebalancing(report)
    assert [(a.asset_class, a.action, a.amount) for a in plan.actions] == [
        ("stocks", "SELL", D(600)),
        ("bonds", "BUY", D(600)),
    ]
    assert [(s.asset_class, s.side, s.amount) for s in plan.below_minimum] == [
        ("cash", "SELL", D(50))
    ]
    assert plan.leftover == 0


def test_a_breach_too_small_to_trade_is_listed_as_below_minimum() -> None:
    # stocks 50.4% is past its own 50.2 maximum, but back to target is a 40 trade.
    held = [valued("VTI", "stocks", 5040), valued("BND", "bonds", 4960)]
    targets = {"stocks": {"target": 50, "max": "50.2"}, "bonds": 50}
    plan = plan_rebalancing(report_of(held, targets, min_trade=D(100)))
    assert plan.actions == ()
    assert [(s.asset_class, s.side, s.amount) for s in plan.below_minimum] == [
        ("stocks", "SELL", D(40))
    ]
    assert [(u.asset_class, u.reason, u.message) for u in plan.unresolved] == [
        (
            "stocks",
            "below_minimum",
            "its trade of 40.00 would be below the minimum trade of 100.00",
        )
    ]


def test_buy_only_says_which_class_it_could_not_bring_back_and_why() -> None:
    held = [valued("VTI", "stocks", 8000), valued("BND", "bonds", 2000)]
    plan = plan_rebalancing(
        report_of(held, {"stocks": 60, "bonds": 40}), PlanRequest("buy_only", D(1000))
    )
    assert [(u.asset_class, u.reason) for u in plan.unresolved] == [
        ("stocks", "buy_only"),
        ("bonds", "not_enough_cash"),
    ]
    assert round2(plan.unresolved[0].drift_after) == D("12.73")  # 8,000 of 11,000 vs 60


def test_unallocated_value_is_invested_like_new_cash() -> None:
    held = [valued("VTI", "stocks", 600), valued("BND", "bonds", 200)]
    report = compute_allocation(held, {"stocks": D(60), "bonds": D(40)}, portfolio_value=D(1000))
    plan = plan_rebalancing(report)
    assert [(a.asset_class, a.action, a.amount) for a in plan.actions] == [("bonds", "BUY", D(200))]
    assert (plan.available, plan.leftover) == (D(200), D(0))


def test_the_buy_only_shortcut_is_the_buy_only_mode() -> None:
    report = report_of(TEN_THOUSAND, SIXTY_FORTY)
    assert plan_buy_only(report, D(1000)) == plan_rebalancing(
        report, PlanRequest("buy_only", D(1000))
    )


@pytest.mark.parametrize(
    ("request_", "field", "problem"),
    [
        (PlanRequest(cash=D(-1)), "cash", "must not be negative"),
        (PlanRequest("buy_only", raise_cash=D(5)), "raise_cash", "only the sell_only mode"),
        (PlanRequest("sell_only", cash=D(5)), "cash", "sell_only invests no new cash"),
        (PlanRequest("sell_only", raise_cash=D(20000)), "raise_cash", "worth 10000.00"),
    ],
)
def test_a_plan_request_that_cannot_be_met_names_its_field(
    request_: PlanRequest, field: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        plan_rebalancing(report_of(TEN_THOUSAND, SIXTY_FORTY), request_)
    assert caught.value.field == field


def test_buy_only_spends_the_last_cent_when_levelling_divides_unevenly() -> None:
    # 0.14 / 3 does not divide exactly: the levelled buys sum to 0.0999..., not 0.10.
    report = compute_allocation(
        [valued("VTI", "stocks", "0.14")],
        {"stocks": D(0), "bonds": D(20), "cash": D(20), "gold": D(60)},
    )
    plan = plan_buy_only(report, D("0.10"))
    assert [(a.asset_class, a.amount) for a in plan.actions] == [("gold", D("0.10"))]


# 10,000 against 50 / 25 / 25: stocks at 57% is 7 pp over; bonds 22% and gold 21% are inside
# their 5 pp bands.
ONE_BREACH = [
    valued("VTI", "stocks", 5700),
    valued("BND", "bonds", 2200),
    valued("GLD", "gold", 2100),
]
HALF_QUARTERS = {"stocks": 50, "bonds": 25, "gold": 25}


def moves(plan: RebalancingPlan) -> list[tuple[str, str, Decimal]]:
    return [(a.action, a.asset_class, a.amount) for a in plan.actions]


def test_by_default_what_a_breaching_class_frees_is_levelled_over_the_others() -> None:
    plan = plan_rebalancing(report_of(ONE_BREACH, HALF_QUARTERS))
    assert plan.trade == "all"
    assert moves(plan) == [
        ("SELL", "stocks", D(700)),
        ("BUY", "bonds", D(300)),
        ("BUY", "gold", D(400)),
    ]


def test_trading_breaching_classes_only_leaves_the_others_and_keeps_the_cash() -> None:
    plan = plan_rebalancing(report_of(ONE_BREACH, HALF_QUARTERS), PlanRequest(trade="breaching"))
    assert moves(plan) == [("SELL", "stocks", D(700))]
    assert (plan.trade, plan.leftover, plan.unresolved) == ("breaching", D(700), ())
    assert percents(plan) == {"stocks": D("50.00"), "bonds": D("22.00"), "gold": D("21.00")}


def test_breaching_classes_trade_with_each_other_and_never_with_a_class_in_band() -> None:
    # stocks 66% and bonds 28.5% breach, cash 5.5% is inside 25% of 5. Bonds needs 650 and
    # stocks frees 600; with every class trading, cash sells the 50 more.
    held = [valued("VTI", "stocks", 6600), valued("BND", "bonds", 2850), valued("USD", "cash", 550)]
    report = report_of(held, {"stocks": 60, "bonds": 35, "cash": 5}, relative_threshold=D("0.25"))
    assert moves(plan_rebalancing(report)) == [
        ("SELL", "stocks", D(600)),
        ("BUY", "bonds", D(650)),
        ("SELL", "cash", D(50)),
    ]
    plan = plan_rebalancing(report, PlanRequest(trade="breaching"))
    assert moves(plan) == [("SELL", "stocks", D(600)), ("BUY", "bonds", D(600))]
    assert plan.unresolved == ()  # bonds at 34.5%, inside its band
