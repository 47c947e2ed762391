"""Stored history: portfolios, snapshots, drift over time, CSV export and attribution.

Ids may contain a slash (``clients/acct-17``), hence the ``:path`` parameters. A date or
time without an offset in ``since``/``until`` is read as UTC; ``until`` is exclusive, and a
date there includes that whole day.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.errors import NotFoundOut, answers
from monitor.api.fields import BOUND
from monitor.api.routing import JsonRoute
from monitor.api.schemas.history import (
    AttributionResponse,
    DriftHistoryResponse,
    PortfoliosResponse,
    SnapshotOut,
    SnapshotPageResponse,
    attribution_response,
    drift_point_out,
    portfolio_out,
    snapshot_out,
)
from monitor.domain.allocation import normalise_class
from monitor.domain.attribution import attribute
from monitor.domain.history import Window, history_csv, history_rows, parse_window
from monitor.errors import NotFoundError
from monitor.settings import Settings
from monitor.store.drift import drift_history
from monitor.store.portfolios import check_portfolio, list_portfolios
from monitor.store.snapshots import attribution_window, latest_snapshot, list_snapshots

router = APIRouter(
    prefix="/api/v1/portfolios",
    tags=["history"],
    route_class=JsonRoute,
    responses=answers(503, "Started without a database, or it cannot be reached"),
)
UNKNOWN = answers(404, "No such portfolio (the known ones are listed)", NotFoundOut)

BOUND_HELP = "A date (2024-01-31) or ISO 8601 time; UTC unless it has an offset."
SinceQuery = Annotated[
    str | None, Query(description=f"From (inclusive). {BOUND_HELP}", json_schema_extra=BOUND)
]
UntilQuery = Annotated[
    str | None,
    Query(
        description=f"Up to (exclusive; a date includes its day). {BOUND_HELP}",
        json_schema_extra=BOUND,
    ),
]
ClassQuery = Annotated[str | None, Query(description="Only this asset class.")]


def window_of(since: str | None, until: str | None) -> Window:
    return parse_window(since, until, zone=UTC, names=("since", "until"))


def known(session: Session, settings: Settings, portfolio_id: str) -> None:
    check_portfolio(session=session, portfolio_id=portfolio_id, configured=settings.portfolio_ids)


@router.get("", response_model=PortfoliosResponse)
def portfolios(session: SessionDep) -> PortfoliosResponse:
    """Every stored portfolio, accounts of multi-account entries included."""
    return PortfoliosResponse(
        portfolios=[portfolio_out(p) for p in list_portfolios(session=session)]
    )


@router.get(
    "/{portfolio_id:path}/snapshots/latest",
    response_model=SnapshotOut,
    responses=answers(
        404, "No such portfolio (the known ones are listed), or no snapshot yet", NotFoundOut
    ),
)
def latest(portfolio_id: str, session: SessionDep, settings: SettingsDep) -> SnapshotOut:
    """The most recent snapshot, with its holdings when they are recorded."""
    known(session, settings, portfolio_id)
    snapshot = latest_snapshot(session=session, portfolio_id=portfolio_id)
    if snapshot is None:
        raise NotFoundError(f"portfolio {portfolio_id!r} has no snapshots yet")
    return snapshot_out(snapshot, settings.base_currency_of(portfolio_id))


@router.get(
    "/{portfolio_id:path}/snapshots", response_model=SnapshotPageResponse, responses=UNKNOWN
)
def snapshots(
    portfolio_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    since: SinceQuery = None,
    until: UntilQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> SnapshotPageResponse:
    """Snapshots oldest first, a page at a time; follow ``next`` for the following page."""
    window = window_of(since, until)
    known(session, settings, portfolio_id)
    page = list_snapshots(
        session=session,
        portfolio_id=portfolio_id,
        since=window.since,
        until=window.until,
        limit=limit,
        after=cursor,
    )
    return SnapshotPageResponse(
        portfolio_id=portfolio_id,
        items=[snapshot_out(s, settings.base_currency_of(portfolio_id)) for s in page.items],
        next_cursor=page.next_cursor,
        next=None
        if page.next_cursor is None
        else str(request.url.include_query_params(cursor=page.next_cursor)),
    )


@router.get(
    "/{portfolio_id:path}/drift-history", response_model=DriftHistoryResponse, responses=UNKNOWN
)
def drift(
    portfolio_id: str,
    session: SessionDep,
    settings: SettingsDep,
    asset_class: ClassQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> DriftHistoryResponse:
    """Drift per class (percentage points) at every snapshot: a time series, oldest first."""
    window = window_of(since, until)
    known(session, settings, portfolio_id)
    name = None if asset_class is None else normalise_class(asset_class, "asset_class")
    points = drift_history(
        session=session,
        portfolio_id=portfolio_id,
        asset_class=name,
        since=window.since,
        until=window.until,
    )
    return DriftHistoryResponse(
        portfolio_id=portfolio_id, asset_class=name, points=[drift_point_out(p) for p in points]
    )


@router.get(
    "/{portfolio_id:path}/history.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One row per snapshot.",
        },
        **UNKNOWN,
    },
)
def history_export(
    portfolio_id: str,
    session: SessionDep,
    settings: SettingsDep,
    asset_class: ClassQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Response:
    """Time (UTC), value, total drift, needs-rebalancing and drift per class, as CSV."""
    window = window_of(since, until)
    known(session, settings, portfolio_id)
    records = list_snapshots(
        session=session,
        portfolio_id=portfolio_id,
        since=window.since,
        until=window.until,
        limit=None,
    ).items
    columns, rows = history_rows(
        records,
        zone=UTC,
        asset_class=asset_class,
        field="asset_class",
        base_currency=settings.base_currency_of(portfolio_id),
    )
    filename = portfolio_id.replace("/", "_")
    return Response(
        content=history_csv(columns, rows),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}-history.csv"'},
    )


@router.get(
    "/{portfolio_id:path}/attribution",
    response_model=AttributionResponse,
    responses=answers(
        404, "No such portfolio, or fewer than two snapshots in the period", NotFoundOut
    ),
)
def attribution(
    portfolio_id: str,
    session: SessionDep,
    settings: SettingsDep,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> AttributionResponse:
    """Each class's change in value between the first and the last snapshot in the period:
    market effect, flow effect, and unattributed where quantities or prices are unknown."""
    window = window_of(since, until)
    known(session, settings, portfolio_id)
    first, last = attribution_window(
        session=session, portfolio_id=portfolio_id, since=window.since, until=window.until
    )
    result = attribute(first.valuation(), last.valuation())
    return attribution_response(portfolio_id, result, first.id, last.id)
