"""The query parameters of the allocation endpoints answered from the query string: their
types, limits and the OpenAPI document's words for them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Query

from monitor.api.openapi import json_parameter
from monitor.api.schemas.currencies import BASE_CURRENCY_HELP, CURRENCY, FX_RATES_HELP, PAIR
from monitor.api.schemas.plans import NAME, TARGETS_SCHEMA
from monitor.domain.allocation import SMALLEST_TOTAL
from monitor.domain.bands import DriftRule
from monitor.domain.numbers import LIMIT

HOLDINGS_HELP = (
    'Holdings as JSON, the seed\'s shape: {"AAPL": {"asset_class": "stocks", "value": 26940}}'
)
HOLDINGS_SCHEMA = {  # the body's holdings, HoldingIn being in the document for /calculate
    "type": "object",
    "propertyNames": NAME,
    "additionalProperties": {"$ref": "#/components/schemas/HoldingIn"},
}
HoldingsQuery = Annotated[
    str,
    Query(
        description=HOLDINGS_HELP,
        max_length=1_000_000,
        json_schema_extra=json_parameter(HOLDINGS_SCHEMA),
    ),
]
TOTAL_HELP = "The whole portfolio, holdings and cash; at least a cent (less is worth nothing)"
ValueQuery = Annotated[
    Decimal | None,
    Query(ge=SMALLEST_TOTAL, lt=LIMIT, allow_inf_nan=False, description=TOTAL_HELP),
]
ThresholdQuery = Annotated[Decimal | None, Query(gt=0, le=100, allow_inf_nan=False)]
RelativeQuery = Annotated[Decimal | None, Query(gt=0, le=1, allow_inf_nan=False)]
TargetsQuery = Annotated[
    str | None,
    Query(
        description='Targets as JSON, e.g. {"stocks": 60, "bonds": 40}; a class may be a '
        'table with a band: {"stocks": {"target": 60, "min": 55, "max": 66}, "bonds": 40}',
        json_schema_extra=json_parameter(TARGETS_SCHEMA),
    ),
]
DriftRuleQuery = Annotated[
    DriftRule | None,
    Query(description="either (the 5/25 rule: whichever first) or hybrid (the wider)"),
]
HybridFloorQuery = Annotated[
    Decimal | None,
    Query(ge=0, le=100, allow_inf_nan=False, description="hybrid: the narrowest band (pp)"),
]
BaseCurrencyQuery = Annotated[str | None, Query(pattern=CURRENCY, description=BASE_CURRENCY_HELP)]
FX_RATES_SCHEMA = {  # as /calculate's fx_rates
    "type": "object",
    "propertyNames": {"pattern": PAIR},
    "additionalProperties": {
        "type": "number",
        "exclusiveMinimum": 0,
        "exclusiveMaximum": int(LIMIT),
    },
}
FxRatesQuery = Annotated[
    str | None,
    Query(
        description=f'{FX_RATES_HELP}. As JSON, e.g. {{"EURUSD": 1.0842}}',
        json_schema_extra=json_parameter(FX_RATES_SCHEMA),
    ),
]
MinTradeQuery = Annotated[
    Decimal | None,
    Query(ge=0, lt=LIMIT, allow_inf_nan=False, description="Smallest trade worth an alert (money)"),
]
TotalQuery = Annotated[
    Decimal, Query(ge=SMALLEST_TOTAL, lt=LIMIT, allow_inf_nan=False, description=TOTAL_HELP)
]
