"""JSON shapes of the history routes. Money and percents: numbers rounded to two places;
times: UTC, ISO 8601."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from monitor.api.fields import Number, Rounded
from monitor.api.schemas.currencies import CurrencyExposureOut, RateOut
from monitor.domain.attribution import Attribution, ClassAttribution
from monitor.store.records import DriftPoint, PortfolioRecord, SnapshotRecord


class PortfolioOut(BaseModel):
    id: str
    name: str
    parent_id: str | None
    created_at: datetime


class PortfoliosResponse(BaseModel):
    portfolios: list[PortfolioOut]


class SnapshotClassOut(BaseModel):
    asset_class: str
    current_value: Rounded
    current_percent: Rounded
    target_percent: Rounded
    target_value: Rounded
    difference: Rounded
    drift: Rounded
    needs_rebalancing: bool
    breach: str | None


class SnapshotHoldingOut(BaseModel):
    symbol: str
    asset_class: str
    value: Rounded
    quantity: Number | None
    price: Number | None
    currency: str | None = Field(None, description="Its own currency; null: the base")
    native_value: Rounded | None = Field(None, description="In its own currency, if converted")


class SnapshotOut(BaseModel):
    id: int
    portfolio_id: str
    tick_id: int | None
    taken_at: datetime
    # The time the holdings are of, when their source says (a broker export's own date).
    as_of: datetime | None
    portfolio_value: Rounded
    holdings_value: Rounded
    unallocated_value: Rounded
    total_drift: Rounded
    worst_drift: Rounded
    needs_rebalancing: bool
    threshold: Rounded
    relative_threshold: Number | None
    asset_classes: list[SnapshotClassOut]
    holdings: list[SnapshotHoldingOut] | None  # null when not recorded (or not listed)
    base_currency: str | None = Field(
        None,
        description="The currency its amounts are in (a snapshot from before currencies: "
        "the configured one); null: single-currency mode",
    )
    currency_exposure: list[CurrencyExposureOut] = Field(default_factory=list)
    fx_rates: list[RateOut] = Field(
        default_factory=list, description="The rates that converted its holdings"
    )


class SnapshotPageResponse(BaseModel):
    portfolio_id: str
    items: list[SnapshotOut]
    next_cursor: str | None
    next: str | None  # the URL of the next page, or null on the last


class DriftPointOut(BaseModel):
    taken_at: datetime
    total_drift: Rounded
    worst_drift: Rounded
    needs_rebalancing: bool
    drifts: dict[str, Rounded]


class DriftHistoryResponse(BaseModel):
    portfolio_id: str
    asset_class: str | None
    points: list[DriftPointOut]


class ClassAttributionOut(BaseModel):
    asset_class: str
    start_value: Rounded
    end_value: Rounded
    change: Rounded
    market_effect: Rounded
    flow_effect: Rounded
    unattributed: Rounded


class AttributionResponse(BaseModel):
    portfolio_id: str
    start_at: datetime
    end_at: datetime
    start_snapshot_id: int
    end_snapshot_id: int
    classes: list[ClassAttributionOut]
    total: ClassAttributionOut


def portfolio_out(record: PortfolioRecord) -> PortfolioOut:
    return PortfolioOut.model_validate(record, from_attributes=True)


def snapshot_out(record: SnapshotRecord, configured_base: str | None = None) -> SnapshotOut:
    """``record`` as JSON; ``configured_base`` names the currency of a snapshot that does
    not name its own."""
    return SnapshotOut(
        id=record.id,
        portfolio_id=record.portfolio_id,
        tick_id=record.tick_id,
        taken_at=record.taken_at,
        as_of=record.as_of,
        portfolio_value=record.portfolio_value,
        holdings_value=record.holdings_value,
        unallocated_value=record.unallocated_value,
        total_drift=record.total_drift,
        worst_drift=record.worst_drift,
        needs_rebalancing=record.needs_rebalancing,
        threshold=record.threshold,
        relative_threshold=record.relative_threshold,
        asset_classes=[
            SnapshotClassOut.model_validate(c, from_attributes=True) for c in record.classes
        ],
        holdings=None
        if record.holdings is None
        else [SnapshotHoldingOut.model_validate(h, from_attributes=True) for h in record.holdings],
        base_currency=record.base_currency or configured_base,
        currency_exposure=[
            CurrencyExposureOut.model_validate(c, from_attributes=True) for c in record.currencies
        ],
        fx_rates=[RateOut(pair=r.pair, rate=r.rate, as_of=r.as_of) for r in record.fx_rates],
    )


def drift_point_out(point: DriftPoint) -> DriftPointOut:
    return DriftPointOut(
        taken_at=point.taken_at,
        total_drift=point.total_drift,
        worst_drift=point.worst_drift,
        needs_rebalancing=point.needs_rebalancing,
        drifts=dict(point.drifts),
    )


def class_attribution_out(c: ClassAttribution) -> ClassAttributionOut:
    return ClassAttributionOut(
        asset_class=c.asset_class,
        start_value=c.start_value,
        end_value=c.end_value,
        change=c.change,
        market_effect=c.market_effect,
        flow_effect=c.flow_effect,
        unattributed=c.unattributed,
    )


def attribution_response(
    portfolio_id: str, result: Attribution, start_id: int, end_id: int
) -> AttributionResponse:
    return AttributionResponse(
        portfolio_id=portfolio_id,
        start_at=result.start_at,
        end_at=result.end_at,
        start_snapshot_id=start_id,
        end_snapshot_id=end_id,
        classes=[class_attribution_out(c) for c in result.classes],
        total=class_attribution_out(result.total),
    )
