"""One portfolio now: its classes against their bands, its current plan (JSON and CSV), and
the ticks that went wrong, for the dashboard's portfolio page and anyone else."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from monitor.api.current import current, current_plan, plan_csv
from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.errors import NotFoundOut, answers
from monitor.api.routes.history import SinceQuery, UntilQuery, known, window_of
from monitor.api.routing import JsonRoute
from monitor.api.schemas.current import CurrentResponse
from monitor.api.schemas.plans import PlanOut, plan_out
from monitor.store.portfolios import entry_of
from monitor.store.tick_history import unsuccessful_ticks

router = APIRouter(
    prefix="/api/v1/portfolios",
    tags=["history"],
    route_class=JsonRoute,
    responses=answers(503, "Started without a database, or it cannot be reached"),
)
NO_SNAPSHOT = answers(
    404, "No such portfolio (the known ones are listed), or no snapshot yet", NotFoundOut
)


class TickOut(BaseModel):
    scheduled_at: datetime
    status: str
    error: str | None


class TicksResponse(BaseModel):
    portfolio_id: str
    entry_id: str
    ticks: list[TickOut]


@router.get("/{portfolio_id:path}/current", response_model=CurrentResponse, responses=NO_SNAPSHOT)
def current_classes(
    portfolio_id: str, session: SessionDep, settings: SettingsDep
) -> CurrentResponse:
    """The latest snapshot's classes, each with its target and the band the entry's drift
    policy gives it (sub-classes with their depth in the target tree)."""
    return current(session=session, settings=settings, portfolio_id=portfolio_id)


@router.get("/{portfolio_id:path}/plan", response_model=PlanOut, responses=NO_SNAPSHOT)
def plan(portfolio_id: str, session: SessionDep, settings: SettingsDep) -> PlanOut:
    """The entry's configured rebalancing plan for the latest snapshot's holdings."""
    return plan_out(current_plan(session=session, settings=settings, portfolio_id=portfolio_id))


@router.get(
    "/{portfolio_id:path}/plan.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One row per trade.",
        },
        **NO_SNAPSHOT,
    },
)
def plan_export(portfolio_id: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The current plan's trades as CSV: class, symbol, side, shares, price, amount."""
    found = current_plan(session=session, settings=settings, portfolio_id=portfolio_id)
    filename = portfolio_id.replace("/", "_")
    return Response(
        content=plan_csv(found),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}-plan.csv"'},
    )


@router.get(
    "/{portfolio_id:path}/ticks",
    response_model=TicksResponse,
    responses=answers(404, "No such portfolio (the known ones are listed)", NotFoundOut),
)
def ticks(
    portfolio_id: str,
    session: SessionDep,
    settings: SettingsDep,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> TicksResponse:
    """The failed, partial and skipped ticks of the portfolio's entry in the period, oldest
    first."""
    window = window_of(since, until)
    known(session, settings, portfolio_id)
    entry = entry_of(session=session, portfolio_id=portfolio_id)
    found = unsuccessful_ticks(
        session=session, entry_id=entry, since=window.since, until=window.until
    )
    return TicksResponse(
        portfolio_id=portfolio_id,
        entry_id=entry,
        ticks=[TickOut(scheduled_at=t.scheduled_at, status=t.status, error=t.error) for t in found],
    )
