"""The seed's JSON shapes of ``/calculate``: its body and its answer (``query``:
the GET endpoints' answers).

Field names are the seed's and stay so; fields after the seed's are additions. Money and
percents are JSON numbers rounded to two places (half-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from monitor.api.fields import Amount, Number, Rounded, Total
from monitor.api.schemas.plans import NAME, SPACES, BandOut, PlanOut, TargetsIn
from monitor.domain.allocation import AllocationReport, Holding, make_holding
from monitor.domain.bands import TOLERANCE_MEANING, DriftRule, RebalanceTo
from monitor.domain.exposure import parse_currency_targets
from monitor.domain.fx import RateTable, make_rate
from monitor.domain.numbers import LIMIT
from monitor.domain.plans import PlanMode, PlanTrade, RebalancingPlan
from monitor.errors import InputError

# A holding's class: a name (stocks, or stocks/us); "class:weight;..." text is for CSV cells.
HOLDING_CLASS = {"type": "string", "pattern": f"^[^:]*[^:{SPACES}][^:]*$"}
WEIGHTS = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": HOLDING_CLASS,
    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100},
}


CURRENCY = "^[A-Za-z]{3}$"
PAIR = "^[A-Za-z]{3}[/-]?[A-Za-z]{3}$"  # EURUSD, EUR/USD, eur-usd
Rate = Annotated[Decimal, Field(gt=0, lt=LIMIT, allow_inf_nan=False)]
FX_RATES_HELP = (
    "Rates by pair: EURUSD 1.0842 means 1 EUR = 1.0842 USD; a pair is used either way round, "
    "or crossed through a currency both sides have a rate with"
)
BASE_CURRENCY_HELP = (
    "The currency every amount is in (defaults to the configured one); holdings in others are "
    "converted at fx_rates"
)


def rate_table(fx_rates: Mapping[str, object] | None) -> RateTable | None:
    """``fx_rates`` as given, ``{"EURUSD": 1.0842}``, whether a body's field or a query's JSON."""
    if fx_rates is None:
        return None
    return RateTable(make_rate(pair, rate, "fx_rates") for pair, rate in fx_rates.items())


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


class ActionOut(BaseModel):
    asset_class: str
    action: str
    amount: Rounded
    current_percent: Rounded
    target_percent: Rounded
    drift: Rounded


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


class CurrencyExposureOut(BaseModel):
    currency: str
    value: Rounded = Field(description="In the base currency")
    native_value: Rounded = Field(description="In its own currency")
    percent: Rounded
    target_percent: Rounded | None = None
    drift: Rounded | None = None
    breach: str | None = None


class RateOut(BaseModel):
    pair: str = Field(examples=["EURUSD"])
    rate: Number = Field(description="1 of the pair's first currency in its second")
    as_of: date | None = None


class HoldingOut(BaseModel):
    symbol: str
    asset_class: str
    value: Rounded = Field(description="In the base currency")
    currency: str = Field(description="Its own currency")
    native_value: Rounded = Field(description="In its own currency")


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


def currency_summary(report: AllocationReport) -> dict[str, object]:
    """The base currency, the share held in each currency and the rates that converted,
    as the report has them: validated with ``from_attributes`` by the answer they go in."""
    if report.base_currency is None:
        return {}
    return {
        "base_currency": report.base_currency,
        "currency_exposure": report.currency_exposure,
        "fx_rates": report.fx_rates,
    }


def currency_fields(report: AllocationReport) -> dict[str, object]:
    """What a report says of currencies, as the response fields that name them."""
    base = report.base_currency
    if base is None:
        return {}
    return {
        **currency_summary(report),
        "holdings": [
            {
                "symbol": h.symbol,
                "asset_class": h.asset_class,
                "value": h.value,
                "currency": h.currency or base,
                "native_value": h.value if h.native_value is None else h.native_value,
            }
            for h in report.holdings
        ],
    }


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
