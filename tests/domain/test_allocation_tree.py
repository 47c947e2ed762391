"""Targets as a tree, holdings that span classes, the hybrid band and the band edge."""

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
from monitor.errors import InputError
from monitor.sources.csv_parsing import parse_csv
from tests.builders import TREE, holding

D = Decimal


def rows(report: AllocationReport) -> list[tuple[str, str | None, Decimal, Decimal, str | None]]:
    return [
        (c.asset_class, c.parent, round2(c.target_percent), round2(c.drift), c.breach)
        for c in report.classes
    ]


def test_sub_class_weights_are_shares_of_their_parent() -> None:
    targets = parse_targets(TREE)
    assert dict(targets) == {"stocks": 60, "stocks/us": 42, "stocks/intl": 18, "bonds": 40}
    assert targets.spec("stocks").children == ("stocks/us", "stocks/intl")
    assert targets.spec("stocks/us").parent == "stocks"


def test_a_tree_writes_back_as_it_was_written() -> None:
    assert parse_targets(TREE).raw() == {
        "stocks": {"target": D(60), "children": {"us": D(70), "intl": D(30)}},
        "bonds": D(40),
    }


def test_drift_is_reported_at_every_level_against_the_whole_portfolio() -> None:
    # 10,000: us 5,000, intl 1,000 (stocks 6,000 = 60%, on target), bonds 4,000.
    report = compute_allocation(
        [
            holding("VTI", "stocks/us", 5000),
            holding("VXUS", "stocks/intl", 1000),
            holding("BND", "bonds", 4000),
        ],
        parse_targets(TREE),
    )
    assert rows(report) == [
        ("stocks", None, D(60), D(0), None),
        ("stocks/us", "stocks", D(42), D(8), "absolute"),  # 50% of the portfolio vs 42%
        ("stocks/intl", "stocks", D(18), D(-8), "absolute"),
        ("bonds", None, D(40), D(0), None),
    ]
    assert [c.leaf for c in report.classes] == [False, True, True, True]
    # Summed over the classes holdings sit in, not twice over parent and children.
    assert report.total_drift == D(16)
    assert report.alerts[0] == (
        "STOCKS/US: over-allocated by 8.00% (current: 50.00%, target: 42.00%)"
    )


def test_a_parent_breaches_on_its_own_band_when_its_children_do_not() -> None:
    report = compute_allocation(
        [
            holding("VTI", "stocks/us", 4620),
            holding("VXUS", "stocks/intl", 1980),
            holding("BND", "bonds", 3400),
        ],
        parse_targets(TREE),
    )
    # stocks 66% (+6); us 46.2% (+4.2) and intl 19.8% (+1.8) stay within 5 pp.
    assert [(c.asset_class, c.breach) for c in report.classes] == [
        ("stocks", "absolute"),
        ("stocks/us", None),
        ("stocks/intl", None),
        ("bonds", "absolute"),
    ]


def test_bands_and_thresholds_apply_per_level() -> None:
    targets = parse_targets(
        {
            "stocks": {
                "target": 60,
                "children": {
                    "us": {"target": 70, "threshold": 2},
                    "intl": {"target": 30, "max": 40},
                },
            },
            "bonds": 40,
        }
    )
    us, intl = targets.spec("stocks/us"), targets.spec("stocks/intl")
    assert (intl.band_min, intl.band_max) == (None, D(24))  # 40% of the 60% parent
    report = compute_allocation(
        [
            holding("VTI", "stocks/us", 3900),
            holding("VXUS", "stocks/intl", 2100),
            holding("BND", "bonds", 4000),
        ],
        targets,
    )
    # us 39% vs 42%: 3 pp, past its own 2 pp threshold; intl 21% is inside 18..24.
    assert report.target_of("stocks/us").breach == "absolute"
    assert report.target_of("stocks/intl").breach is None
    assert us.threshold == D(2)


def test_a_holding_naming_the_parent_counts_in_its_children_by_their_weights() -> None:
    report = compute_allocation(
        [holding("VT", "stocks", 6000), holding("BND", "bonds", 4000)], parse_targets(TREE)
    )
    assert [(c.asset_class, c.current_value) for c in report.classes] == [
        ("stocks", D(6000)),
        ("stocks/us", D(4200)),
        ("stocks/intl", D(1800)),
        ("bonds", D(4000)),
    ]
    assert not report.needs_rebalancing


def test_a_label_finer_than_the_targets_counts_in_its_targeted_class() -> None:
    report = compute_allocation(
        [holding("BTC", "crypto/btc", 10), holding("VTI", "stocks", 90)],
        parse_targets({"crypto": 10, "stocks": 90}),
    )
    assert [(c.asset_class, c.current_value) for c in report.classes] == [
        ("crypto", D(10)),
        ("stocks", D(90)),
    ]


def test_an_untargeted_sub_class_is_reported_under_its_parent_at_target_zero() -> None:
    report = compute_allocation(
        [
            holding("VTI", "stocks/us", 4200),
            holding("VXUS", "stocks/intl", 1300),
            holding("EEM", "stocks/em", 500),
            holding("BND", "bonds", 4000),
        ],
        parse_targets(TREE),
    )
    assert rows(report)[:4] == [
        ("stocks", None, D(60), D(0), None),
        ("stocks/us", "stocks", D(42), D(0), None),
        ("stocks/intl", "stocks", D(18), D(-5), None),
        ("stocks/em", "stocks", D(0), D(5), None),
    ]


# A 60/40 balanced fund in a three-class portfolio: BAL 10,000 counts 6,000 in stocks and
# 4,000 in bonds; with VTI 4,000 and USD 1,000 the portfolio is 15,000.
FUND = [
    holding("BAL", {"stocks": 60, "bonds": 40}, 10000),
    holding("VTI", "stocks", 4000),
    holding("USD", "cash", 1000),
]
THREE = {"stocks": 50, "bonds": 30, "cash": 20}


def test_a_fund_spanning_classes_is_split_by_its_weights() -> None:
    report = compute_allocation(FUND, parse_targets(THREE))
    assert [(c.asset_class, c.current_value, round2(c.drift)) for c in report.classes] == [
        ("stocks", D(10000), D("16.67")),
        ("bonds", D(4000), D("-3.33")),
        ("cash", D(1000), D("-13.33")),
    ]
    assert sorted((h.symbol, h.asset_class, h.value) for h in report.holdings) == [
        ("BAL", "bonds", D(4000)),
        ("BAL", "stocks", D(6000)),
        ("USD", "cash", D(1000)),
        ("VTI", "stocks", D(4000)),
    ]


def test_weights_read_the_same_from_a_csv_cell() -> None:
    held = parse_csv("symbol,asset_class,value\nBAL,stocks:60;bonds:40,10000\n", "csv")
    assert held[0].weights == (("stocks", D(60)), ("bonds", D(40)))
    assert held[0].asset_class == "stocks:60;bonds:40"


def test_weights_split_quantities_too_so_prices_still_apply() -> None:
    fund = make_holding("BAL", "stocks:60;bonds:40", quantity=100, price=50, where="BAL")
    report = compute_allocation([fund], parse_targets({"stocks": 60, "bonds": 40}))
    assert sorted((h.asset_class, h.quantity, h.value) for h in report.holdings) == [
        ("bonds", D(40), D(2000)),
        ("stocks", D(60), D(3000)),
    ]


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("stocks:60;bonds:30", "a holding's class weights must sum to 100, they sum to 90"),
        ("stocks:60;bonds", "expected class:weight pairs"),
        ({"stocks": "x", "bonds": 40}, "expected a number"),
        ({"stocks": 60, " Stocks": 40}, "given twice"),
    ],
)
def test_bad_weights_name_the_holding(label: object, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        make_holding("BAL", label, value=1, where="line 4")
    assert caught.value.field.startswith("line 4: asset_class")


# Band edge: 100,000 with stocks 75% against 60% (bonds 25% against 40%). A 20% relative
# band in the hybrid form is max(20% x 60, 1) = 12 pp for stocks (48..72), 8 for bonds.
BAND_EDGE = [holding("VTI", "stocks", 75000), holding("BND", "bonds", 25000)]
HYBRID = DriftPolicy(relative_threshold=D("0.2"), drift_rule="hybrid")


def test_the_hybrid_band_is_the_wider_of_relative_and_absolute() -> None:
    report = compute_allocation(BAND_EDGE, {"stocks": D(60), "bonds": D(40)}, HYBRID)
    stocks, bonds = report.classes
    assert (stocks.band_lower, stocks.band_upper, stocks.breach) == (D(48), D(72), "hybrid")
    assert (bonds.band_lower, bonds.band_upper) == (D(32), D(48))


@pytest.mark.parametrize(
    ("target", "either", "hybrid"),
    # The table of docs/target-trees.md: "either" with 5 pp and 25% of target, whichever is
    # narrower; "hybrid" with 20% of target and the 1 pp floor, whichever is wider.
    [(5, "1.25", "1"), (10, "2.5", "2"), (25, "5", "5"), (60, "5", "12")],
)
def test_the_hybrid_band_has_a_floor_of_its_own_far_below_the_threshold(
    target: int, either: str, hybrid: str
) -> None:
    five_25 = DriftPolicy(threshold=D(5), relative_threshold=D("0.25"))
    wealthfolio = DriftPolicy(threshold=D(5), relative_threshold=D("0.2"), drift_rule="hybrid")
    assert five_25.rule_width(D(target))[0] == D(either)
    assert wealthfolio.rule_width(D(target)) == (D(hybrid), "hybrid")


def test_the_hybrid_floor_is_a_setting_and_a_class_threshold_is_its_own_floor() -> None:
    policy = DriftPolicy(relative_threshold=D("0.2"), drift_rule="hybrid", hybrid_floor=D(3))
    assert policy.rule_width(D(10)) == (D(3), "hybrid")  # 2 pp relative: the 3 pp floor
    assert policy.rule_width(D(10), threshold=D("2.5")) == (D("2.5"), "hybrid")
    with pytest.raises(InputError, match="hybrid_floor: must be from 0 to 100, got -1"):
        DriftPolicy(hybrid_floor=D(-1))


@pytest.mark.parametrize(
    ("tolerance", "to_edge", "edge_percent"),
    [("0.5", D(9000), D(66)), ("1", D(3000), D(72)), ("0", D(15000), D(60))],
)
def test_band_edge_amounts_trade_back_only_into_the_band(
    tolerance: str, to_edge: Decimal, edge_percent: Decimal
) -> None:
    policy = DriftPolicy(
        relative_threshold=D("0.2"),
        drift_rule="hybrid",
        rebalance_to="band_edge",
        tolerance=D(tolerance),
    )
    report = compute_allocation(BAND_EDGE, {"stocks": D(60), "bonds": D(40)}, policy)
    stocks = report.actions[0]
    assert (stocks.action, stocks.amount, stocks.amount_to_target) == ("SELL", to_edge, D(15000))
    assert stocks.amount_to_band_edge == to_edge
    assert report.target_of("stocks").edge_value == edge_percent * 1000


def test_the_hybrid_rule_needs_a_relative_threshold() -> None:
    with pytest.raises(InputError, match="needs a relative_threshold") as caught:
        DriftPolicy(drift_rule="hybrid")
    assert caught.value.field == "drift_rule"


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        (
            {"stocks": {"target": 60, "children": {"us": 70, "intl": 20}}, "bonds": 40},
            "targets.stocks.children",
            "children must sum to 100, they sum to 90",
        ),
        ({"stocks/us": 60, "bonds": 40}, "targets.stocks/us", "cannot hold '/'"),
        (
            {"stocks": {"target": 60, "children": 5}, "bonds": 40},
            "targets.stocks.children",
            "children is a table",
        ),
        (
            {
                "stocks": {"target": 60, "children": {"us": {"target": 70, "min": 80}, "intl": 30}},
                "bonds": 40,
            },
            "targets.stocks.children.us.min",
            "min 80 is above the target 70",
        ),
        (
            {"stocks": {"target": 60, "threshold": 0}, "bonds": 40},
            "targets.stocks.threshold",
            "must be above 0",
        ),
    ],
)
def test_a_bad_tree_names_its_field(raw: dict[str, object], field: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        parse_targets(raw)
    assert caught.value.field == field


def test_weights_left_in_the_label_by_a_source_are_read_by_the_engine() -> None:
    # A plugin (or a fast CSV path) may build the holding itself, weights still in the label.
    report = compute_allocation(
        [Holding("BAL", "stocks:60;bonds:40", D(1000))],
        parse_targets({"stocks": 60, "bonds": 40}),
    )
    assert [(c.asset_class, c.current_value) for c in report.classes] == [
        ("stocks", D(600)),
        ("bonds", D(400)),
    ]
