"""Class amounts into trades: fitting the buys to the cash in whole shares, at any price."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.domain.allocation import DriftPolicy, compute_allocation, make_holding, parse_targets
from monitor.domain.numbers import ZERO
from monitor.domain.plans import plan_rebalancing
from monitor.domain.plans.fitting import BuyLeg, fit_to_budget, trim_money, whole_shares_in

D = Decimal


def shares_leg(asset_class: str, wanted: str, price: str) -> BuyLeg:
    leg = BuyLeg(asset_class, D(wanted), asset_class.upper(), D(price), whole=True)
    leg.amount = whole_shares_in(leg.wanted, D(price))
    return leg


@pytest.mark.timeout(5)
def test_a_plan_in_shares_a_trillionth_of_the_money_is_made_at_once() -> None:
    # Bonds cost a millionth a share and must take 1,000,050 of stocks; the 50 of USD is
    # below the minimum trade, so 50 of bonds (50 million shares) must come off the buy.
    held = [
        make_holding("S", "stocks", quantity=1, price=1_000_000, where="S"),
        make_holding("USD", "stocks", value=50, where="USD"),
        make_holding("B", "bonds", quantity=1, price="0.000001", where="B"),
    ]
    report = compute_allocation(held, parse_targets({"bonds": 100}), DriftPolicy(min_trade=D(100)))
    plan = plan_rebalancing(report)
    assert [(t.symbol, t.side, t.shares, t.amount) for t in plan.trades] == [
        ("B", "BUY", D(10**12), D(1_000_000)),
        ("S", "SELL", D(1), D(1_000_000)),
    ]
    assert plan.leftover == 0


@pytest.mark.timeout(5)
def test_the_buys_are_trimmed_and_topped_up_at_once_whatever_the_price() -> None:
    # 1,000,000 wanted, 750,000 to spend. Share by share: 100,000 of bonds comes off (10^11
    # shares), until bonds is as far under what it wanted as gold; then gold's one share,
    # the dearer; the 250,000 that frees buys bonds back (10^11 shares), gold's share does
    # not fit in the 150,000 left.
    bonds, gold = shares_leg("bonds", "600000", "0.000001"), shares_leg("gold", "500000", "400000")
    fit_to_budget([bonds, gold], D(750_000))
    assert (bonds.amount, gold.amount) == (D(600_000), D(0))


def fit_share_by_share(legs: list[BuyLeg], budget: Decimal) -> None:
    """``fit_to_budget`` as it was, one share a pass: what it must still do, at any cost.
    The buys in money are trimmed as ``fit_to_budget`` trims them; only the shares' part
    changed, and that part is the oracle."""
    over = trim_money(legs, budget)
    whole = [leg for leg in legs if leg.whole and leg.price]
    while over > 0:
        held = [leg for leg in whole if leg.amount > 0]
        if not held:
            break
        leg = max(held, key=lambda leg: (leg.amount - leg.wanted, leg.price or ZERO))
        leg.amount -= leg.price or ZERO
        over -= leg.price or ZERO
    spare = -over
    while True:
        fitting = [
            leg
            for leg in whole
            if leg.price is not None
            and leg.price <= spare
            and leg.wanted - leg.amount > leg.price / 2
        ]
        if not fitting:
            return
        leg = max(fitting, key=lambda leg: leg.wanted - leg.amount)
        leg.amount += leg.price or ZERO
        spare -= leg.price or ZERO


amounts = st.decimals(min_value=0, max_value=5000, places=2)
share_prices = st.sampled_from(["0.05", "0.37", "1", "9.99", "25", "80", "250", "1200"])


@st.composite
def legs(draw: st.DrawFn) -> list[BuyLeg]:
    found = []
    for n in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            found.append(shares_leg(f"c{n}", str(draw(amounts)), draw(share_prices)))
        else:
            found.append(BuyLeg(f"c{n}", draw(amounts), None, None, whole=False))
    return found


@settings(max_examples=500, deadline=None)
@given(legs(), amounts)
def test_fitting_at_once_ends_where_fitting_share_by_share_does(
    found: list[BuyLeg], budget: Decimal
) -> None:
    expected = copy.deepcopy(found)
    fit_share_by_share(expected, budget)
    fit_to_budget(found, budget)
    assert [leg.amount for leg in found] == [leg.amount for leg in expected]
