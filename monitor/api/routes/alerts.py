"""The notification outbox over HTTP: list alerts, read one whole, retry a dead one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.errors import NotFoundOut, answers
from monitor.api.routing import JsonRoute
from monitor.api.schemas.alerts import (
    AlertDetail,
    AlertOut,
    AlertsResponse,
    AlertStatus,
    alert_detail,
    alert_out,
)
from monitor.store.limits import LARGEST_ID
from monitor.store.outbox import (
    attempts_of,
    get_notification,
    list_notifications,
    requeue_dead,
)
from monitor.store.portfolios import check_portfolio
from monitor.store.transactions import write_transaction

router = APIRouter(
    prefix="/api/v1/alerts",
    tags=["alerts"],
    route_class=JsonRoute,
    responses=answers(503, "Started without a database, or it cannot be reached"),
)
NO_SUCH_ALERT = answers(404, "No such alert")


def get_sessions(request: Request) -> sessionmaker[Session]:
    """For the writing route: it commits in a write transaction of its own."""
    sessions: sessionmaker[Session] | None = request.app.state.sessions
    if sessions is None:
        raise HTTPException(
            status_code=503,
            detail="alerts are unavailable: this API was started without a database",
        )
    return sessions


SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
# Ids are 64-bit integers in both databases; a larger one is a 422, not a driver's overflow.
AlertId = Annotated[int, Path(ge=1, le=LARGEST_ID, description="The alert's id")]


@router.get(
    "",
    response_model=AlertsResponse,
    responses=answers(404, "No such portfolio (the known ones are listed)", NotFoundOut),
)
def alerts(
    session: SessionDep,
    settings: SettingsDep,
    portfolio: Annotated[
        str | None, Query(description="A portfolio, an account, or an entry (its digests too)")
    ] = None,
    status: Annotated[AlertStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AlertsResponse:
    """Notifications, newest first."""
    if portfolio is not None:
        check_portfolio(session=session, portfolio_id=portfolio, configured=settings.portfolio_ids)
    items = list_notifications(session=session, portfolio_id=portfolio, status=status, limit=limit)
    return AlertsResponse(alerts=[alert_out(item) for item in items])


@router.get("/{alert_id}", response_model=AlertDetail, responses=NO_SUCH_ALERT)
def alert(alert_id: AlertId, session: SessionDep) -> AlertDetail:
    """One notification whole: what was decided (every account of a digest) and every
    delivery attempt."""
    item = get_notification(session=session, notification_id=alert_id)
    return alert_detail(item, attempts_of(session=session, notification_id=alert_id))


@router.post(
    "/{alert_id}/retry",
    response_model=AlertOut,
    responses={**NO_SUCH_ALERT, **answers(409, "It is not dead")},
)
def retry(alert_id: AlertId, sessions: SessionsDep) -> AlertOut:
    """A dead notification back to pending, with a fresh attempt budget; the drain job sends
    it within ``notify.drain_every``. Targets that took it before are not sent it again."""
    with write_transaction(sessions) as session:
        item = requeue_dead(session=session, notification_id=alert_id, now=datetime.now(UTC))
    return alert_out(item)
