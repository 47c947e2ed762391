"""JSON shapes of the overview (``/api/v1/overview``), which the dashboard's first page shows."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from monitor.api.fields import Rounded

RowState = Literal["in_band", "drifted", "source_failing", "stale", "no_data"]
ROW_STATES: tuple[RowState, ...] = ("in_band", "drifted", "source_failing", "stale", "no_data")
SortKey = Literal["portfolio", "value", "worst_drift", "out_of_band", "state", "tick_at"]
SortOrder = Literal["asc", "desc"]


class LastAlertOut(BaseModel):
    id: int
    kind: str
    status: str
    created_at: datetime


class OverviewRowOut(BaseModel):
    portfolio_id: str
    name: str
    entry_id: str = Field(description="The config entry: the portfolio itself, or an account's")
    value: Rounded | None
    currency: str | None = Field(
        None, description="The currency of its value (its base); null: single-currency mode"
    )
    worst_drift: Rounded | None
    classes_out_of_band: int
    state: RowState
    taken_at: datetime | None = Field(description="When its latest snapshot was taken")
    tick_at: datetime | None = Field(description="When its entry's last tick was scheduled")
    tick_status: str | None = Field(description="ok, partial, failed or running")
    last_alert: LastAlertOut | None


class EntryOut(BaseModel):
    entry_id: str
    accounts: int = Field(description="Rows of the entry: 1 for a portfolio")
    states: dict[str, int] = Field(description="How many of its rows are in each state")


class OverviewResponse(BaseModel):
    total: int = Field(description="Rows before the search and the filter")
    matched: int = Field(description="Rows the search and the filter keep")
    page: int
    per_page: int
    pages: int
    sort: SortKey
    order: SortOrder
    rows: list[OverviewRowOut]
    entries: list[EntryOut]
