"""The seed's JSON shapes of its GET endpoints' answers: targets, check, drift analysis.

Field names are the seed's and stay so; fields after the seed's are additions. Money and
percents are JSON numbers rounded to two places (half-up).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from monitor.api.fields import Number, Rounded
from monitor.api.schemas.currencies import CurrencyExposureOut, RateOut
from monitor.domain.allocation import Targets


def absent(value: object) -> bool:
    return value is None


# Added after the seed's fields, and only with a base currency: single-currency answers keep
# the seed's shape.
BaseCurrencyOut = Annotated[
    str | None,
    Field(
        exclude_if=absent,
        description="The currency every amount is in; absent in single-currency mode",
    ),
]
ExposureOut = Annotated[
    list[CurrencyExposureOut] | None,
    Field(exclude_if=absent, description="With a base currency: the share held in each currency"),
]
RatesOut = Annotated[
    list[RateOut] | None,
    Field(exclude_if=absent, description="With a base currency: the rates that converted holdings"),
]


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
    base_currency: BaseCurrencyOut = None


def targets_response(
    portfolio_value: Decimal, goal: Targets, base_currency: str | None = None
) -> TargetsResponse:
    """The top level in ``targets`` (each class once, so they add up to the portfolio) and
    each parent's sub-classes under ``children``; all in ``base_currency``, when one is set."""

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
        base_currency=base_currency,
    )


class CheckResponse(BaseModel):
    needs_rebalancing: bool
    alerts: list[str]
    total_drift: Rounded
    threshold: Rounded
    relative_threshold: Number | None = None
    base_currency: BaseCurrencyOut = None
    currency_exposure: ExposureOut = None
    fx_rates: RatesOut = None


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
    base_currency: BaseCurrencyOut = None
    currency_exposure: ExposureOut = None
    fx_rates: RatesOut = None
