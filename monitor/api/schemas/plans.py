"""JSON shapes of rebalancing plans and of per-class targets with options (``/calculate``).

Money and percents are rounded to two places; share counts and prices are shown as they are.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from monitor.api.fields import Number, Rounded
from monitor.domain.plans import RebalancingPlan

PERCENT = {"type": "number", "minimum": 0, "maximum": 100}
# Names are compared trimmed and lower-cased, so one must hold more than spaces: what
# Python's strip() trims, which is more than JSON Schema's \s (ECMA-262's lacks these).
SPACES = r"\s\x1c-\x1f\x85"
NAME = {"type": "string", "pattern": f"[^{SPACES}]"}
# A top-level class: sub-classes (stocks/us) are nested in ``children``.
CLASS_NAME = {"type": "string", "pattern": f"^[^/]*[^/{SPACES}][^/]*$"}
CLASS_TARGET_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {**PERCENT, "description": "Percent of the portfolio"},
        {
            "type": "object",
            "description": "A target with options",
            "properties": {
                "target": {**PERCENT, "description": "Percent of the portfolio"},
                "min": {**PERCENT, "description": "Lower edge of the class's own band"},
                "max": {**PERCENT, "description": "Upper edge of the class's own band"},
                "threshold": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 100,
                    "description": "The class's own threshold, in percentage points",
                },
                "buy": {**NAME, "description": "The symbol to buy for this class"},
                "fractional": {
                    "type": "boolean",
                    "description": "Trade fractions of a share (default: whole shares)",
                },
            },
            "required": ["target"],
            "additionalProperties": False,
        },
    ]
}
TARGETS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": CLASS_NAME,
    "additionalProperties": CLASS_TARGET_SCHEMA,
    "description": "Percent per asset class, summing to 100, or a table with options: "
    '{"stocks": {"target": 50, "min": 45, "max": 57}, "bonds": 50}',
}
# Validated by the engine's ``parse_targets`` (as the config and the CLI are), so every
# problem is named by its path: ``target_allocations.stocks.min``.
TargetsIn = Annotated[dict[str, Any], WithJsonSchema(TARGETS_SCHEMA)]


class BandOut(BaseModel):
    lower: Rounded
    upper: Rounded


class TradeOut(BaseModel):
    symbol: str
    side: str
    shares: Number | None = Field(description="None for a holding known by its value alone")
    price: Number | None
    amount: Rounded


class PlanActionOut(BaseModel):
    asset_class: str
    action: str
    amount: Rounded
    current_percent: Rounded
    target_percent: Rounded
    drift: Rounded
    resulting_percent: Rounded
    trades: list[TradeOut]


class SkippedOut(BaseModel):
    asset_class: str
    side: str
    amount: Rounded
    symbol: str | None


class UnresolvedOut(BaseModel):
    asset_class: str
    drift_after: Rounded
    reason: str
    message: str


class PlanOut(BaseModel):
    mode: str
    cash: Rounded
    raise_cash: Rounded
    trade: str = Field(description="all, or breaching: only classes outside their band trade")
    unallocated: Rounded
    available: Rounded = Field(description="Unallocated value plus new cash")
    min_trade: Rounded
    bought: Rounded
    sold: Rounded
    leftover: Rounded = Field(description="Cash after the plan: available + sold - bought")
    shortfall: Rounded = Field(description="sell_only: what could not be raised")
    actions: list[PlanActionOut]
    below_minimum: list[SkippedOut]
    unresolved: list[UnresolvedOut]
    resulting_percent: dict[str, Rounded]
    total_drift_after: Rounded


def plan_out(plan: RebalancingPlan) -> PlanOut:
    return PlanOut(
        mode=plan.mode,
        cash=plan.cash,
        raise_cash=plan.raise_cash,
        trade=plan.trade,
        unallocated=plan.unallocated,
        available=plan.available,
        min_trade=plan.min_trade,
        bought=plan.bought,
        sold=plan.sold,
        leftover=plan.leftover,
        shortfall=plan.shortfall,
        actions=[
            PlanActionOut(
                asset_class=a.asset_class,
                action=a.action,
                amount=a.amount,
                current_percent=a.current_percent,
                target_percent=a.target_percent,
                drift=a.drift,
                resulting_percent=a.resulting_percent,
                trades=[TradeOut.model_validate(t, from_attributes=True) for t in a.trades],
            )
            for a in plan.actions
        ],
        below_minimum=[
            SkippedOut.model_validate(s, from_attributes=True) for s in plan.below_minimum
        ],
        unresolved=[UnresolvedOut.model_validate(u, from_attributes=True) for u in plan.unresolved],
        resulting_percent=plan.resulting_percent,
        total_drift_after=plan.total_drift_after,
    )
