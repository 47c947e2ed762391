"""What the API says of currencies: the rates and base currency a request may give, and the
base currency, the share held in each currency and the rates an answer shows (``/calculate``,
the GET endpoints, a snapshot, a portfolio's current state)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from monitor.api.fields import Number, Rounded
from monitor.domain.fx import RateTable, make_rate
from monitor.domain.numbers import LIMIT
from monitor.domain.reports import AllocationReport

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
