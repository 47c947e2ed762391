"""The seed's JSON shapes of its GET endpoints' answers: targets, check, drift analysis.

Field names are the seed's and stay so; fields after the seed's are additions. Money and
percents are JSON numbers rounded to two places (half-up).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from monitor.api.fields import Number, Rounded
from monitor.domain.allocation import Targets


class SubClassTargets(BaseModel):
    targets: dict[str, Rounded] = Field(description="Money per sub-class, summing to the parent's")
    target_percentages: dict[str, Rounded] = Field(
        description="Percent of the whole portfolio per sub-class, summing to the parent's"
    )


class TargetsResponse(BaseModel):
    portfolio_value: Rounded
    targets: dict[str, Rounded] = Field(
        description="Money per top-level class; they sum to portfolio_value"
    )
    target_percentages: dict[str, Rounded] = Field(
        description="Percent of the portfolio per top-level class; they sum to 100"
    )
    children: dict[str, SubClassTargets] | None = Field(
        None,
        exclude_if=lambda children: children is None,
        description="Only for a target tree: each class with sub-classes (stocks), and the "
        "targets of its sub-classes (stocks/us, stocks/intl) in the same units. Absent for "
        "flat targets",
    )


def targets_response(portfolio_value: Decimal, goal: Targets) -> TargetsResponse:
    """The top level in ``targets`` (each class once, so they add up to the portfolio) and
    each parent's sub-classes under ``children``."""

    def level(names: Iterable[str]) -> dict[str, dict[str, Decimal]]:
        percents = {name: goal[name] for name in names}
        money = {name: portfolio_value * percent / 100 for name, percent in percents.items()}
        return {"targets": money, "target_percentages": percents}

    parents = [name for name in goal if goal.spec(name).children]
    return TargetsResponse(
        portfolio_value=portfolio_value,
        **level(goal.top_level),
        children={
            parent: SubClassTargets(**level(goal.spec(parent).children)) for parent in parents
        }
        or None,
    )


class CheckResponse(BaseModel):
    needs_rebalancing: bool
    alerts: list[str]
    total_drift: Rounded
    threshold: Rounded
    relative_threshold: Number | None = None


class DriftOut(BaseModel):
    asset_class: str
    current_percent: Rounded
    target_percent: Rounded
    drift: Rounded
    drift_amount: Rounded
    needs_rebalancing: bool
    parent: str | None = None


class DriftAnalysisResponse(BaseModel):
    portfolio_value: Rounded
    timestamp: datetime
    drifts: list[DriftOut]
    total_drift: Rounded
    needs_rebalancing: bool
