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


class ActionOut(BaseModel):
    asset_class: str
    action: str
    amount: Rounded
    current_percent: Rounded
    target_percent: Rounded
    drift: Rounded


class PlanActionOut(ActionOut):
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
    """The plan's answer: ``PlanOut`` reads each field from the plan's own attribute."""
    return PlanOut.model_validate(plan, from_attributes=True)
