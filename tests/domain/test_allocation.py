from __future__ import annotations

import re
from decimal import Decimal

import pytest

from monitor.domain.allocation import (
    DEFAULT_TARGETS,
    DriftPolicy,
    Holding,
    compute_allocation,
    make_holding,
    parse_targets,
    round2,
)
from monitor.errors import InputError
from tests.builders import holding
from tests.fixtures.holdings import SEED_PORTFOLIO_VALUE

D = Decimal


def test_seed_stocks_row_matches_the_seed_numbers(seed_holdings: list[Holding]) -> None:
    report = compute_allocation(
        seed_holdings, DEFAULT_TARGETS, portfolio_value=SEED_PORTFOLIO_VALUE
    )
    stocks = report.target_of("stocks")
    assert round2(stocks.current_percent) == D("14.68")
    assert round2(stocks.target_value) == D("91767.82")
    assert round2(stocks.difference) == D("-64827.82")
    assert round2(stocks.drift) == D("-35.32")
    assert stocks.current_value == D("26940")


def test_seed_buy_action_is_the_stocks_shortfall(seed_holdings: list[Holding]) -> None:
    report = compute_allocation(
        seed_holdings, DEFAULT_TARGETS, portfolio_value=SEED_PORTFOLIO_VALUE
    )
    stocks_action = next(a for a in report.actions if a.asset_class == "stocks")
    assert stocks_action.action == "BUY"
    assert round2(stocks_action.amount) == D("64827.82")


def test_seed_target_values_for_the_seed_portfolio(seed_holdings: list[Holding]) -> None:
    report = compute_allocation(
        seed_holdings, DEFAULT_TARGETS, portfolio_value=SEED_PORTFOLIO_VALUE
    )
    assert {c.asset_class: round2(c.target_value) for c in report.classes} == {
        "stocks": D("91767.82"),
        "etfs": D("27530.34"),
        "commodities": D("27530.34"),
        "crypto": D("18353.56"),
        "futures": D("9176.78"),
        "cash": D("9176.78"),
    }


def test_seed_alert_line_reads_exactly_as_the_seed(seed_holdings: list[Holding]) -> None:
    report = compute_allocation(
        seed_holdings, DEFAULT_TARGETS, portfolio_value=SEED_PORTFOLIO_VALUE
    )
    assert report.alerts[0] == "STOCKS: under-allocated by 35.32% (current: 14.68%, target: 50.00%)"


def test_over_allocated_class_says_over_and_gets_a_sell() -> None:
    report = compute_allocation(
        [holding("VOO", "stocks", 80), holding("BND", "bonds", 20)],
        {"stocks": D(60), "bonds": D(40)},
    )
    assert report.alerts == [
        "STOCKS: over-allocated by 20.00% (current: 80.00%, target: 60.00%)",
        "BONDS: under-allocated by 20.00% (current: 20.00%, target: 40.00%)",
    ]
    assert [(a.asset_class, a.action, a.amount) for a in report.actions] == [
        ("stocks", "SELL", D(20)),
        ("bonds", "BUY", D(20)),
    ]


def test_remainder_of_portfolio_value_is_reported_as_unallocated(
    seed_holdings: list[Holding],
) -> None:
    report = compute_allocation(
        seed_holdings, DEFAULT_TARGETS, portfolio_value=SEED_PORTFOLIO_VALUE
    )
    assert report.holdings_value == D("77680")
    assert report.unallocated_value == D("105855.63")
    assert report.portfolio_value == SEED_PORTFOLIO_VALUE


def test_total_is_the_sum_of_holdings_without_a_portfolio_value() -> None:
    report = compute_allocation(
        [holding("VOO", "stocks", "600.50"), holding("BND", "bonds", "399.50")],
        {"stocks": D(60), "bonds": D(40)},
    )
    assert report.portfolio_value == D("1000.00")
    assert report.unallocated_value == 0


def test_total_drift_sums_absolute_drift_over_targeted_and_held_classes(
    seed_holdings: list[Holding],
) -> None:
    report = compute_allocation(
        seed_holdings, DEFAULT_TARGETS, portfolio_value=SEED_PORTFOLIO_VALUE
    )
    # stocks -35.32, etfs +1.35, commodities -3.70, crypto -10, futures -5, cash -5
    assert round2(report.total_drift) == D("60.37")


def test_drift_exactly_at_the_threshold_does_not_need_rebalancing() -> None:
    report = compute_allocation(
        [holding("VOO", "stocks", 55), holding("BND", "bonds", 45)],
        {"stocks": D(50), "bonds": D(50)},
        DriftPolicy(threshold=D(5)),
    )
    assert report.target_of("stocks").drift == D(5)
    assert not report.needs_rebalancing
    assert report.actions == ()


def test_drift_just_past_the_threshold_needs_rebalancing() -> None:
    report = compute_allocation(
        [holding("VOO", "stocks", "55.01"), holding("BND", "bonds", "44.99")],
        {"stocks": D(50), "bonds": D(50)},
    )
    assert report.needs_rebalancing
    assert report.target_of("stocks").breach == "absolute"


def test_relative_band_catches_small_classes_the_absolute_threshold_misses() -> None:
    # cash target 5%, held 7%: 2 pp is under 5 pp but over 25% of 5 (1.25 pp).
    report = compute_allocation(
        [holding("VOO", "stocks", 93), holding("USD", "cash", 7)],
        {"stocks": D(95), "cash": D(5)},
        DriftPolicy(threshold=D(5), relative_threshold=D("0.25")),
    )
    assert report.target_of("cash").breach == "relative"
    assert report.target_of("stocks").breach is None


def test_relative_band_is_ignored_without_a_relative_threshold() -> None:
    report = compute_allocation(
        [holding("VOO", "stocks", 93), holding("USD", "cash", 7)],
        {"stocks": D(95), "cash": D(5)},
    )
    assert not report.needs_rebalancing


def test_class_names_are_trimmed_and_lower_cased() -> None:
    report = compute_allocation(
        [holding("VOO", "  Stocks ", 50), holding("BND", "BONDS", 50)],
        parse_targets({"stocks": 50, " Bonds": 50}),
    )
    assert [c.asset_class for c in report.classes] == ["stocks", "bonds"]
    assert not report.needs_rebalancing


def test_a_class_held_but_not_targeted_is_reported_with_target_zero() -> None:
    report = compute_allocation(
        [holding("VOO", "stocks", 90), holding("DOGE", "memes", 10)],
        {"stocks": D(100)},
    )
    memes = report.target_of("memes")
    assert memes.target_percent == 0
    assert memes.drift == D(10)
    assert ("memes", "SELL", D(10)) in [(a.asset_class, a.action, a.amount) for a in report.actions]


def test_quantity_and_price_give_the_value() -> None:
    item = make_holding("AAPL", "stocks", quantity="12.5", price="187.36", where="AAPL")
    assert item.value == D("2342.000")


def test_a_portfolio_value_below_the_holdings_sum_is_an_error() -> None:
    with pytest.raises(
        InputError, match=re.escape("portfolio_value: 99 is below the holdings' sum 100.00")
    ):
        compute_allocation(
            [holding("VOO", "stocks", 100)], {"stocks": D(100)}, portfolio_value=D(99)
        )


def test_a_portfolio_value_within_a_cent_below_the_holdings_is_accepted() -> None:
    report = compute_allocation(
        [holding("VOO", "stocks", "100.004")], {"stocks": D(100)}, portfolio_value=D("100.00")
    )
    assert report.unallocated_value == 0


def test_an_empty_portfolio_is_an_error_stated_plainly() -> None:
    with pytest.raises(InputError, match="worth nothing"):
        compute_allocation([holding("VOO", "stocks", 0)], {"stocks": D(100)})


@pytest.mark.parametrize("value", ["0.001", "0.0099"])
def test_a_portfolio_worth_less_than_a_cent_is_worth_nothing_as_an_empty_one(value: str) -> None:
    with pytest.raises(InputError, match=r"worth nothing \(total value .*, less than a cent\)"):
        compute_allocation([holding("VOO", "stocks", value)], {"stocks": D(100)})


def test_a_portfolio_value_below_a_cent_is_worth_nothing_and_named() -> None:
    with pytest.raises(InputError, match="worth nothing") as raised:
        compute_allocation([], {"stocks": D(100)}, portfolio_value=D("0.004"))
    assert raised.value.field == "portfolio_value"


def test_holdings_summing_past_the_limit_are_too_large_even_beside_a_portfolio_value() -> None:
    huge = make_holding("VTI", "stocks", quantity="1E+17", price="1E+17", where="VTI")
    with pytest.raises(InputError, match="the holdings' sum 1e\\+34 is too large"):
        compute_allocation([huge], {"stocks": D(100)}, portfolio_value=D(5))


def test_a_portfolio_worth_a_cent_is_allocated() -> None:
    report = compute_allocation([holding("VOO", "stocks", "0.01")], {"stocks": D(100)})
    assert report.portfolio_value == D("0.01")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("-5", "must not be negative"),
        ("abc", "expected a number"),
        ("NaN", "must be a finite number"),
        ("Infinity", "must be a finite number"),
        (True, "expected a number"),
    ],
)
def test_a_bad_value_names_the_holding_and_field(raw: object, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        make_holding("AAPL", "stocks", value=raw, where="holdings.AAPL")
    assert caught.value.field == "holdings.AAPL.value"


def test_a_holding_with_neither_value_nor_quantity_and_price_is_an_error() -> None:
    with pytest.raises(InputError, match="needs a value, or a quantity and a price"):
        make_holding("AAPL", "stocks", where="holdings.AAPL")


def test_a_value_that_quantity_times_price_contradicts_is_refused_naming_both() -> None:
    with pytest.raises(InputError) as caught:
        make_holding("AAPL", "stocks", value=1000, quantity=3, price="4.5", where="holdings.AAPL")
    assert str(caught.value) == (
        "holdings.AAPL.value: 1000 is not quantity x price (3 x 4.5 = 13.5); "
        "give a value, or a quantity and a price, or figures that agree to the cent"
    )


def test_a_value_within_a_cent_of_quantity_times_price_is_the_value_given() -> None:
    holding = make_holding(
        "AAPL", "stocks", value="2342.01", quantity="12.5", price="187.36", where="AAPL"
    )
    assert (holding.value, holding.quantity, holding.price) == (
        Decimal("2342.01"),
        Decimal("12.5"),
        Decimal("187.36"),
    )


def test_a_quantity_without_a_price_names_the_missing_price() -> None:
    with pytest.raises(InputError) as caught:
        make_holding("AAPL", "stocks", quantity=3, where="holdings.AAPL")
    assert caught.value.field == "holdings.AAPL.price"


def test_an_empty_asset_class_is_an_error() -> None:
    with pytest.raises(InputError, match="asset class must be a non-empty name"):
        make_holding("AAPL", "  ", value=1, where="holdings.AAPL")


def test_targets_not_summing_to_100_are_an_error() -> None:
    with pytest.raises(InputError, match="targets must sum to 100, they sum to 90"):
        parse_targets({"stocks": 60, "bonds": 30})


def test_targets_within_a_hundredth_of_100_are_scaled_to_exactly_100() -> None:
    targets = parse_targets({"a": "33.333", "b": "33.333", "c": "33.333"})
    assert sum(targets.values()) == D(100)
    assert round2(targets["a"]) == D("33.33")


def test_a_class_given_twice_in_targets_is_an_error() -> None:
    with pytest.raises(InputError, match="given twice"):
        parse_targets({"stocks": 50, "Stocks ": 50})
