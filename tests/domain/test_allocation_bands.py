"""Per-class bands in the targets, the rule each breach names, and the minimum trade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.domain.allocation import (
    DriftPolicy,
    Holding,
    compute_allocation,
    parse_targets,
)
from monitor.errors import InputError
from tests.builders import holding

D = Decimal


def portfolio(stocks: int | str, bonds: int | str) -> list[Holding]:
    return [holding("VTI", "stocks", stocks), holding("BND", "bonds", bonds)]


BANDED = {"stocks": {"target": 50, "min": 45, "max": 57}, "bonds": 50}


def test_a_class_table_gives_its_target_and_band() -> None:
    targets = parse_targets(BANDED)
    assert dict(targets) == {"stocks": D(50), "bonds": D(50)}
    stocks = targets.spec("stocks")
    assert (stocks.band_min, stocks.band_max) == (D(45), D(57))
    assert targets.spec("bonds").band_min is None


def test_inside_its_band_a_class_needs_nothing_even_past_the_global_threshold() -> None:
    # stocks 56%: 6 pp over target, past the 5 pp threshold, but inside 45..57.
    report = compute_allocation(portfolio(56, 44), parse_targets(BANDED))
    stocks = report.target_of("stocks")
    assert stocks.breach is None
    assert (stocks.band_lower, stocks.band_upper) == (D(45), D(57))
    # bonds has no band of its own: the global threshold still governs it.
    assert report.target_of("bonds").breach == "absolute"


def test_outside_its_band_a_class_breaches_even_within_the_global_threshold() -> None:
    targets = parse_targets({"stocks": {"target": 50, "min": 48, "max": 52}, "bonds": 50})
    report = compute_allocation(portfolio(53, 47), targets)
    assert report.target_of("stocks").breach == "band"
    assert report.target_of("bonds").breach is None
    assert report.alerts == ["STOCKS: over-allocated by 3.00% (current: 53.00%, target: 50.00%)"]


def test_one_edge_given_leaves_the_other_to_the_global_rule() -> None:
    targets = parse_targets({"stocks": {"target": 50, "max": 52}, "bonds": 50})
    report = compute_allocation(portfolio(44, 56), targets)
    stocks = report.target_of("stocks")
    assert (stocks.band_lower, stocks.band_upper) == (D(45), D(52))
    assert stocks.breach == "absolute"


def test_the_band_edge_itself_is_inside() -> None:
    report = compute_allocation(portfolio(57, 43), parse_targets(BANDED))
    assert report.target_of("stocks").breach is None


def test_each_breach_names_the_rule_that_fired() -> None:
    targets = parse_targets(
        {"stocks": {"target": 60, "min": 58, "max": 62}, "bonds": 30, "cash": 10}
    )
    policy = DriftPolicy(threshold=D(5), relative_threshold=D("0.25"))
    held = [holding("VTI", "stocks", 57), holding("BND", "bonds", 36), holding("USD", "cash", 7)]
    report = compute_allocation(held, targets, policy)
    assert {c.asset_class: c.breach for c in report.classes} == {
        "stocks": "band",  # 57 < 58
        "bonds": "absolute",  # +6 pp > 5
        "cash": "relative",  # -3 pp > 25% of 10
    }


def test_a_breach_needing_less_than_the_minimum_trade_raises_no_alert() -> None:
    # 10,000 portfolio, cash target 5%, held 6.5%: relative breach (1.5 > 1.25) of 150.
    held = [holding("VTI", "stocks", 9350), holding("USD", "cash", 650)]
    policy = DriftPolicy(relative_threshold=D("0.25"), min_trade=D(200))
    report = compute_allocation(held, {"stocks": D(95), "cash": D(5)}, policy)
    cash = report.target_of("cash")
    assert (cash.rule_fired, cash.breach, cash.below_minimum) == ("relative", None, True)
    assert not report.needs_rebalancing
    assert report.alerts == []
    assert report.actions == ()
    assert report.below_minimum == (cash,)


def test_a_breach_at_or_above_the_minimum_trade_still_alerts() -> None:
    held = [holding("VTI", "stocks", 9350), holding("USD", "cash", 650)]
    policy = DriftPolicy(relative_threshold=D("0.25"), min_trade=D(150))
    report = compute_allocation(held, {"stocks": D(95), "cash": D(5)}, policy)
    assert report.target_of("cash").breach == "relative"
    # stocks is 1.5 pp under a 95% target: inside its 5 pp band, so only cash trades.
    assert [(a.asset_class, a.action, a.amount) for a in report.actions] == [
        ("cash", "SELL", D(150))
    ]


def test_each_class_keeps_its_buy_symbol_and_fractional_option() -> None:
    targets = parse_targets(
        {"bonds": {"target": 40, "buy": " BND "}, "crypto": {"target": 60, "fractional": True}}
    )
    assert targets.spec("bonds").buy == "BND"
    assert targets.spec("crypto").fractional is True
    assert targets.raw() == {
        "bonds": {"target": D(40), "buy": "BND"},
        "crypto": {"target": D(60), "fractional": True},
    }


def test_plain_targets_still_read_as_a_mapping_of_percents() -> None:
    targets = parse_targets({"stocks": 60, "bonds": 40})
    assert targets == {"stocks": 60, "bonds": 40}
    assert sum(targets.values()) == 100


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        ({"stocks": {"target": 50, "min": 55}, "b": 50}, "targets.stocks.min", "above the target"),
        ({"stocks": {"target": 50, "max": 40}, "b": 50}, "targets.stocks.max", "below the target"),
        ({"stocks": {"target": 50, "mx": 60}, "b": 50}, "targets.stocks.mx", "unknown option"),
        ({"stocks": {"min": 40}, "b": 50}, "targets.stocks", "needs a target"),
        ({"stocks": {"target": "x"}, "b": 50}, "targets.stocks.target", "expected a number"),
        ({"stocks": {"target": 50, "max": 101}, "b": 50}, "targets.stocks.max", "exceed 100"),
        ({"stocks": {"target": 50, "buy": ""}, "b": 50}, "targets.stocks.buy", "names a symbol"),
        (
            {"stocks": {"target": 50, "fractional": "yes"}, "b": 50},
            "targets.stocks.fractional",
            "true or false",
        ),
        ({"stocks": -5, "b": 105}, "targets.stocks", "must not be negative"),
    ],
)
def test_a_bad_class_option_names_its_field(
    raw: dict[str, object], field: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        parse_targets(raw)
    assert caught.value.field == field


def test_a_policy_overridden_takes_each_value_given_and_keeps_the_others() -> None:
    policy = DriftPolicy(threshold=D(5), min_trade=D(100))
    changed = policy.overridden(threshold=D(3), min_trade=None)
    assert (changed.threshold, changed.min_trade) == (D(3), D(100))


def test_a_policy_overridden_with_nothing_given_is_itself() -> None:
    policy = DriftPolicy(threshold=D(5))
    assert policy.overridden(threshold=None, drift_rule=None) is policy
