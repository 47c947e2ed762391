"""The seed's JSON answer of ``/calculate`` (``calculate_request``: its body; ``query``:
the GET endpoints' answers).

Field names are the seed's and stay so; fields after the seed's are additions. Money and
percents are JSON numbers rounded to two places (half-up).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from monitor.api.fields import Number, Rounded
from monitor.api.schemas.currencies import (
    CurrencyExposureOut,
    HoldingOut,
    RateOut,
    currency_fields,
)
from monitor.api.schemas.plans import ActionOut, BandOut, PlanOut
from monitor.domain.allocation import AllocationReport
from monitor.domain.plans import RebalancingPlan


class AssetClassOut(BaseModel):
    asset_class: str
    current_percent: Rounded
    target_percent: Rounded
    current_value: Rounded
    target_value: Rounded
    difference: Rounded
    difference_percent: Rounded
    needs_rebalancing: bool
    breach: str | None
    rule_fired: str | None = Field(
        description="The rule its drift breaks (absolute, relative, band), even when its "
        "trade is below min_trade"
    )
    below_minimum: bool
    band: BandOut
    parent: str | None = Field(description="The class above, for a sub-class (stocks/us)")
    amount_to_band_edge: Rounded = Field(
        description="The trade to the nearest edge of its tolerance band"
    )


class ReportActionOut(ActionOut):
    amount_to_target: Rounded
    amount_to_band_edge: Rounded


class BuyOnlyOut(BaseModel):
    cash: Rounded
    invested: Rounded
    leftover: Rounded
    actions: list[ActionOut]
    resulting_percent: dict[str, Rounded]
    total_drift_after: Rounded


class CalculateResponse(BaseModel):
    portfolio_value: Rounded
    timestamp: datetime
    asset_classes: list[AssetClassOut]
    total_drift: Rounded
    needs_rebalancing: bool
    rebalancing_threshold: Rounded
    rebalancing_actions: list[ReportActionOut]
    relative_threshold: Number | None
    holdings_value: Rounded
    unallocated_value: Rounded
    alerts: list[str]
    drift_rule: str
    hybrid_floor: Number
    min_trade: Rounded
    rebalance_to: str
    tolerance: Number
    plan: PlanOut
    buy_only: BuyOnlyOut | None = None
    base_currency: str | None = Field(
        None, description="The currency every amount is in; none: single-currency mode"
    )
    currency_exposure: list[CurrencyExposureOut] = Field(
        default_factory=list, description="The share held in each currency (with a base)"
    )
    fx_rates: list[RateOut] = Field(
        default_factory=list, description="The rates that converted holdings"
    )
    holdings: list[HoldingOut] | None = Field(
        None, description="With a base currency: each holding, in it and in its own"
    )


def calculate_response(
    report: AllocationReport,
    timestamp: datetime,
    plan: RebalancingPlan,
    buy_only: RebalancingPlan | None = None,
) -> CalculateResponse:
    """The answer, validated at once from plain data and the engine's own objects (the
    plans, the actions), each model reading its fields by attribute: one validation of the
    whole answer takes a third of the time of a model built per class, action and trade."""
    fields = {
        "portfolio_value": report.portfolio_value,
        "timestamp": timestamp,
        "asset_classes": [
            {
                "asset_class": c.asset_class,
                "current_percent": c.current_percent,
                "target_percent": c.target_percent,
                "current_value": c.current_value,
                "target_value": c.target_value,
                "difference": c.difference,
                "difference_percent": c.drift,
                "needs_rebalancing": c.needs_rebalancing,
                "breach": c.breach,
                "rule_fired": c.rule_fired,
                "below_minimum": c.below_minimum,
                "band": {"lower": c.band_lower, "upper": c.band_upper},
                "parent": c.parent,
                "amount_to_band_edge": c.amount_to_band_edge,
            }
            for c in report.classes
        ],
        "total_drift": report.total_drift,
        "needs_rebalancing": report.needs_rebalancing,
        "rebalancing_threshold": report.policy.threshold,
        "relative_threshold": report.policy.relative_threshold,
        "rebalancing_actions": report.actions,
        "holdings_value": report.holdings_value,
        "unallocated_value": report.unallocated_value,
        "alerts": report.alerts,
        "drift_rule": report.policy.drift_rule,
        "hybrid_floor": report.policy.hybrid_floor,
        "min_trade": report.policy.min_trade,
        "rebalance_to": report.policy.rebalance_to,
        "tolerance": report.policy.tolerance,
        "plan": plan,
        "buy_only": buy_only,
        **currency_fields(report),
    }
    return CalculateResponse.model_validate(fields, from_attributes=True)
