"""JSON shapes of a portfolio now: its classes against their bands, and with a base currency
its currency exposure (against the currency targets' bands) and the rates it used
(``/current``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from monitor.api.fields import Rounded
from monitor.api.schemas.currencies import RateOut


class ClassBandOut(BaseModel):
    asset_class: str
    depth: int = Field(description="0 for a top-level class, 1 for its sub-classes, ...")
    current_percent: Rounded
    target_percent: Rounded
    lower: Rounded = Field(description="The band's lower edge, percent of the portfolio")
    upper: Rounded = Field(description="The band's upper edge, percent of the portfolio")
    below: Rounded = Field(description="How far below target it may drift (pp)")
    above: Rounded = Field(description="How far above target it may drift (pp)")
    drift: Rounded
    current_value: Rounded
    breach: str | None


class CurrencyBandOut(BaseModel):
    currency: str
    percent: Rounded
    value: Rounded = Field(description="In the base currency")
    native_value: Rounded = Field(description="In its own currency")
    target_percent: Rounded | None = Field(description="null: no currency targets")
    lower: Rounded | None = Field(description="The band's lower edge, with a target")
    upper: Rounded | None = Field(description="The band's upper edge, with a target")
    drift: Rounded | None
    breach: str | None


class CurrentResponse(BaseModel):
    portfolio_id: str
    snapshot_id: int
    taken_at: datetime
    portfolio_value: Rounded
    classes: list[ClassBandOut] = Field(
        description="The latest snapshot's classes, each with the band of the entry's policy"
    )
    base_currency: str | None = Field(
        None, description="The currency every amount is in; null: single-currency mode"
    )
    currency_exposure: list[CurrencyBandOut] = Field(
        default_factory=list, description="The share held in each currency (with a base)"
    )
    fx_rates: list[RateOut] = Field(
        default_factory=list, description="The rates that converted its holdings"
    )
