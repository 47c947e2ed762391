"""One ``Allocator`` reused for many portfolios (as a tick of many accounts does) gives each
the report ``compute_allocation`` gives it alone, to the last digit."""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.domain.allocation import (
    Allocator,
    ClassAllocation,
    DriftPolicy,
    Holding,
    compute_allocation,
    parse_targets,
)
from tests.builders import TREE, holding

# Leaves, a parent spread over its sub-classes, untargeted classes (at the top and under a
# parent with sub-classes), a finer label below a leaf, and holdings spanning classes.
LABELS = [
    "stocks/us",
    "stocks/intl",
    "bonds",
    "stocks",
    "gold",
    "stocks/em",
    "bonds/short",
    "stocks:60;bonds:40",
    "bonds:100",
]
POLICIES = [
    DriftPolicy(),
    DriftPolicy(relative_threshold=Decimal("0.25"), min_trade=Decimal(50)),
    DriftPolicy(relative_threshold=Decimal("0.2"), drift_rule="hybrid", rebalance_to="band_edge"),
]

values = st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False)


@st.composite
def portfolio(draw: st.DrawFn) -> list[Holding]:
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=6))
    found = [holding(f"S{n}", label, draw(values)) for n, label in enumerate(labels)]
    return [*found, holding("USD", "bonds", 1)]  # worth something


@settings(max_examples=60, deadline=None)
@given(
    portfolios=st.lists(portfolio(), min_size=1, max_size=8),
    policy=st.sampled_from(POLICIES),
)
def test_a_reused_allocator_reports_each_portfolio_as_compute_allocation_does(
    portfolios: list[list[Holding]], policy: DriftPolicy
) -> None:
    targets = parse_targets(TREE)
    allocator = Allocator(targets, policy)
    for holdings in portfolios:
        alone = compute_allocation(holdings, targets, policy)
        assert repr(allocator.report(holdings)) == repr(alone)


def test_plain_targets_are_read_as_a_tree_once() -> None:
    allocator = Allocator({"stocks": Decimal(60), "bonds": Decimal(40)})
    report = allocator.report([holding("VTI", "stocks", 700), holding("BND", "bonds", 300)])
    assert [(c.asset_class, c.drift) for c in report.classes] == [
        ("stocks", Decimal(10)),
        ("bonds", Decimal(-10)),
    ]
    assert allocator.goal is report.targets


def test_a_reports_worst_drift_and_need_of_rebalancing_follow_its_classes() -> None:
    report = compute_allocation(
        [holding("VTI", "stocks", 700), holding("BND", "bonds", 300)],
        {"stocks": Decimal(60), "bonds": Decimal(40)},
    )
    assert (report.worst_drift, report.needs_rebalancing) == (Decimal(10), True)
    calm = dataclasses.replace(report, classes=report.classes[:0])
    assert (calm.worst_drift, calm.needs_rebalancing) == (Decimal(0), False)
    assert calm != report


def test_a_class_allocation_is_the_frozen_dataclass_its_fields_say() -> None:
    report = compute_allocation(
        [holding("VTI", "stocks", 700), holding("BND", "bonds", 300)],
        {"stocks": Decimal(60), "bonds": Decimal(40)},
    )
    stocks = report.classes[0]
    values = {f.name: getattr(stocks, f.name) for f in fields(stocks)}
    assert ClassAllocation(**values) == stocks == ClassAllocation(*values.values())
    assert (stocks.parent, stocks.leaf) == (None, True)
    assert dataclasses.replace(stocks, leaf=False).leaf is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        stocks.drift = Decimal(0)  # type: ignore[misc]
