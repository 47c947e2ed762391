"""The seed's JSON body of ``/calculate``: holdings (by value, or quantity and price, or
split across classes by weights), the portfolio's value, targets and the policy's options,
and their currencies.

Field names are the seed's and stay so; fields after the seed's are additions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from monitor.api.fields import Amount, Total
from monitor.api.schemas.currencies import (
    BASE_CURRENCY_HELP,
    CURRENCY,
    FX_RATES_HELP,
    PAIR,
    Rate,
    rate_table,
)
from monitor.api.schemas.plans import NAME, SPACES, TargetsIn
from monitor.domain.allocation import Holding, make_holding
from monitor.domain.bands import TOLERANCE_MEANING, DriftRule, RebalanceTo
from monitor.domain.exposure import parse_currency_targets
from monitor.domain.fx import RateTable
from monitor.domain.plans import PlanMode, PlanTrade
from monitor.errors import InputError

# A holding's class: a name (stocks, or stocks/us); "class:weight;..." text is for CSV cells.
HOLDING_CLASS = {"type": "string", "pattern": f"^[^:]*[^:{SPACES}][^:]*$"}
WEIGHTS = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": HOLDING_CLASS,
    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100},
}


class HoldingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["value"], "properties": {"value": {"type": "number"}}},
                {
                    "required": ["quantity", "price"],
                    "properties": {"quantity": {"type": "number"}, "price": {"type": "number"}},
                },
            ]
        },
    )

    asset_class: (
        Annotated[str, WithJsonSchema(HOLDING_CLASS)]
        | Annotated[dict[str, Amount], WithJsonSchema(WEIGHTS)]
    ) = Field(
        examples=["stocks", "stocks/us", {"stocks": 60, "bonds": 40}],
        description="A class, a sub-class (stocks/us), or weights for a holding spanning "
        "classes (a balanced fund), summing to 100",
    )
    value: Amount | None = Field(None, examples=[26940])
    quantity: Amount | None = None
    price: Amount | None = None
    currency: str | None = Field(
        None,
        pattern=CURRENCY,
        examples=["EUR"],
        description="Its currency (ISO 4217); none: the base currency",
    )


class CalculateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holdings: Annotated[dict[str, HoldingIn], Field(json_schema_extra={"propertyNames": NAME})] = (
        Field(
            examples=[{"AAPL": {"asset_class": "stocks", "value": 26940}}],
            description="By symbol: a value, or a quantity and a price",
        )
    )
    portfolio_value: Total | None = Field(
        None,
        examples=[183535.63],
        description="The whole portfolio, holdings and cash; at least a cent",
    )
    rebalancing_threshold: Decimal | None = Field(None, gt=0, le=100, allow_inf_nan=False)
    relative_threshold: Decimal | None = Field(None, gt=0, le=1, allow_inf_nan=False)
    target_allocations: TargetsIn | None = Field(
        None, description="Targets per asset class; defaults to the configured ones"
    )
    cash: Amount | None = Field(
        None,
        description="New cash to invest: the plan invests it, and a buy-only plan is added",
    )
    mode: PlanMode | None = Field(
        None,
        description="How the plan trades: buy_and_sell (default), buy_only (invests cash and "
        "any unallocated value, never sells) or sell_only (raises raise_cash, never buys)",
    )
    raise_cash: Amount | None = Field(
        None, description="sell_only: the cash to raise, sold from the most over-weight classes"
    )
    trade: PlanTrade | None = Field(
        None,
        description="Which classes the plan trades: all (default: what breaching classes free "
        "or need is levelled over the others) or breaching (classes inside their band are "
        "never traded)",
    )
    min_trade: Amount | None = Field(
        None,
        description="Smallest trade worth making: smaller ones are left out of the plan, and a "
        "class whose only breach needs a smaller trade does not need rebalancing",
    )
    drift_rule: DriftRule | None = Field(
        None,
        description="How the thresholds combine: either (the 5/25 rule: whichever comes "
        "first) or hybrid: max(relative_threshold x target, hybrid_floor)",
    )
    hybrid_floor: Decimal | None = Field(
        None,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="hybrid: the narrowest band, in percentage points (1)",
    )
    rebalance_to: RebalanceTo | None = Field(
        None,
        description="Trade a breaching class back to its target, or only to the edge of its "
        "tolerance band (band_edge)",
    )
    tolerance: Decimal | None = Field(
        None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description=f"band_edge: {TOLERANCE_MEANING} (0.5)",
    )
    base_currency: str | None = Field(
        None,
        pattern=CURRENCY,
        examples=["USD"],
        description=BASE_CURRENCY_HELP,
    )
    fx_rates: (
        Annotated[dict[str, Rate], Field(json_schema_extra={"propertyNames": {"pattern": PAIR}})]
        | None
    ) = Field(
        None,
        examples=[{"EURUSD": 1.0842}],
        description=FX_RATES_HELP,
    )
    currency_targets: (
        Annotated[
            dict[str, Amount],
            Field(json_schema_extra={"propertyNames": {"pattern": CURRENCY}, "minProperties": 1}),
        ]
        | None
    ) = Field(
        None,
        examples=[{"USD": 60, "EUR": 40}],
        description="The share each currency should hold, summing to 100 (needs a base)",
    )

    def rates(self) -> RateTable | None:
        return rate_table(self.fx_rates)

    def currency_goal(self) -> dict[str, Decimal] | None:
        if self.currency_targets is None:
            return None
        return parse_currency_targets(self.currency_targets, "currency_targets")


def holdings_from_request(holdings: dict[str, HoldingIn]) -> list[Holding]:
    """The body's holdings; two symbols that are one once trimmed are refused, as ``check``
    and the GET endpoints refuse them."""
    given_as: dict[str, str] = {}
    found: list[Holding] = []
    for symbol, item in holdings.items():
        where = f"holdings.{symbol}"
        holding = make_holding(
            symbol,
            item.asset_class,
            value=item.value,
            quantity=item.quantity,
            price=item.price,
            currency=item.currency,
            where=where,
        )
        if holding.symbol in given_as:
            raise InputError(
                where,
                f"symbol {holding.symbol!r} is given twice (also as {given_as[holding.symbol]!r})",
            )
        given_as[holding.symbol] = symbol
        found.append(holding)
    return found
