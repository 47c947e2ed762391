"""Pieces of the generated inputs that the engine's and the plans' property tests share."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import strategies as st

from monitor.domain.allocation import AllocationReport, Holding, make_holding
from monitor.domain.numbers import total
from monitor.domain.plans import PLAN_MODES, PLAN_TRADES, PlanMode, PlanRequest, PlanTrade

CLASSES = ["stocks", "bonds", "cash", "gold", "crypto"]


def percent_split(draw: st.DrawFn, names: Sequence[str]) -> dict[str, int]:
    """Whole percents for ``names``, in order, that add up to 100 (some may be 0)."""
    cuts = sorted(
        draw(st.lists(st.integers(0, 100), min_size=len(names) - 1, max_size=len(names) - 1))
    )
    bounds = [0, *cuts, 100]
    return {name: bounds[i + 1] - bounds[i] for i, name in enumerate(names)}


def worth_something(found: list[Holding]) -> list[Holding]:
    """``found``, plus 1,000 in cash if it is worth less than 1: a plan needs a portfolio."""
    if total(h.value for h in found) < 1:
        found.append(make_holding("USD", "cash", value=1000, where="USD"))
    return found


def plan_request(
    draw: st.DrawFn,
    report: AllocationReport,
    *,
    modes: Sequence[str] = PLAN_MODES,
    trades: Sequence[str] = PLAN_TRADES,
    raise_shares: Sequence[Decimal],
    cash: st.SearchStrategy[Decimal],
) -> PlanRequest:
    """A plan in one of ``modes``, trading one of ``trades``: ``sell_only`` raises one of
    ``raise_shares`` of the portfolio's value in cash, the others invest ``cash``."""
    mode: PlanMode = draw(st.sampled_from(modes))
    trade: PlanTrade = draw(st.sampled_from(trades))
    if mode == "sell_only":
        share = draw(st.sampled_from(raise_shares))
        raised = (report.portfolio_value * share).quantize(Decimal("0.01"))
        return PlanRequest("sell_only", raise_cash=raised, trade=trade)
    return PlanRequest(mode, cash=draw(cash), trade=trade)
