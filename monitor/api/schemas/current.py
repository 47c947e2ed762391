"""JSON shapes of a portfolio now: its classes against their bands (``/current``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from monitor.api.fields import Rounded


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


class CurrentResponse(BaseModel):
    portfolio_id: str
    snapshot_id: int
    taken_at: datetime
    portfolio_value: Rounded
    classes: list[ClassBandOut] = Field(
        description="The latest snapshot's classes, each with the band of the entry's policy"
    )
