"""Invariants of the engine and the buy-only plan, checked over generated portfolios."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from monitor.domain.allocation import HUNDRED, Holding, compute_allocation
from monitor.domain.plans import plan_buy_only
from tests.strategies import CLASSES, percent_split

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def targets(draw: st.DrawFn) -> dict[str, Decimal]:
    """Whole-percent targets over a random subset of classes, summing to 100."""
    names = draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=5, unique=True))
    return {name: Decimal(percent) for name, percent in percent_split(draw, names).items()}


@st.composite
def holdings(draw: st.DrawFn) -> list[Holding]:
    values = draw(st.dictionaries(st.sampled_from(CLASSES), money, min_size=1, max_size=5))
    if sum(values.values()) == 0:
        values[next(iter(values))] = Decimal("1.00")
    return [Holding(f"SYM{i}", klass, value) for i, (klass, value) in enumerate(values.items())]


TOLERANCE = Decimal("1e-15")


@given(holdings(), targets())
def test_percents_of_a_fully_allocated_portfolio_sum_to_100(
    held: list[Holding], goal: dict[str, Decimal]
) -> None:
    report = compute_allocation(held, goal)
    assert abs(sum(c.current_percent for c in report.classes) - HUNDRED) < TOLERANCE


@given(holdings(), targets(), money)
def test_differences_sum_to_minus_the_unallocated_value(
    held: list[Holding], goal: dict[str, Decimal], extra: Decimal
) -> None:
    total = sum(h.value for h in held) + extra
    report = compute_allocation(held, goal, portfolio_value=total)
    assert report.unallocated_value == extra
    assert abs(sum(c.difference for c in report.classes) + extra) < TOLERANCE * total


@given(targets(), st.decimals(min_value=1, max_value=10**8, places=0))
def test_a_portfolio_exactly_on_target_needs_nothing(
    goal: dict[str, Decimal], scale: Decimal
) -> None:
    held = [Holding(f"SYM{k}", k, scale * p) for k, p in goal.items() if p > 0]
    report = compute_allocation(held, goal)
    assert not report.needs_rebalancing
    assert report.actions == ()
    assert report.total_drift < TOLERANCE


@given(holdings(), targets(), money)
def test_buy_only_never_sells_and_never_spends_more_than_the_new_cash(
    held: list[Holding], goal: dict[str, Decimal], cash: Decimal
) -> None:
    plan = plan_buy_only(compute_allocation(held, goal), cash)
    assert all(a.action == "BUY" and a.amount > 0 for a in plan.actions)
    assert plan.invested <= cash
    assert plan.leftover >= 0


@given(holdings(), targets(), money)
def test_buy_only_invests_all_cash_to_the_cent_when_targets_cover_the_holdings(
    held: list[Holding], goal: dict[str, Decimal], cash: Decimal
) -> None:
    # With every held class targeted, the shortfalls always add up to at least the new cash.
    covered = [h for h in held if h.asset_class in goal and h.value > 0]
    if not covered:
        covered = [Holding("X", next(iter(goal)), Decimal(1))]
    plan = plan_buy_only(compute_allocation(covered, goal), cash)
    assert plan.invested == cash


@given(holdings(), targets(), money)
def test_buy_only_never_ends_further_from_target_than_before(
    held: list[Holding], goal: dict[str, Decimal], cash: Decimal
) -> None:
    report = compute_allocation(held, goal)
    plan = plan_buy_only(report, cash)
    before = compute_allocation(held, goal, portfolio_value=report.portfolio_value + cash)
    # Parking the cash unallocated is always possible; buying must do at least as well.
    assert plan.total_drift_after <= before.total_drift + Decimal("1e-9")
