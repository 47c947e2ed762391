"""Replay over HTTP: what policies would have sent over a portfolio's stored history.

A POST because the policies are a body; it reads the store and writes nothing.
"""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter

from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.errors import NotFoundOut, answers
from monitor.api.routing import JsonRoute
from monitor.api.schemas.replay import ReplayIn, ReplayResponse, run_replay
from monitor.domain.history import parse_window

router = APIRouter(
    prefix="/api/v1/portfolios",
    tags=["history"],
    route_class=JsonRoute,
    responses=answers(503, "Started without a database, or it cannot be reached"),
)


@router.post(
    "/{portfolio_id:path}/replay",
    response_model=ReplayResponse,
    responses=answers(404, "No such configured portfolio (the known ones are listed)", NotFoundOut),
)
def replay(
    portfolio_id: str, body: ReplayIn, session: SessionDep, settings: SettingsDep
) -> ReplayResponse:
    """The portfolio's own policy with ``policy``'s keys changed, then each of ``compare``,
    run over its stored snapshots in order (every account of an entry): the alerts each
    would have sent, the rebalances advised and their turnover, the days out of band and
    the largest drift let stand. Times without an offset are UTC."""
    window = parse_window(body.since, body.until, zone=UTC, names=("since", "until"))
    return run_replay(
        session=session,
        settings=settings,
        portfolio_id=portfolio_id,
        window=window,
        changes=body.policy.changes("policy"),
        compare=body.compared(),
    )
