"""Silences, acknowledgements and the notices they held back, over HTTP.

The writing routes record who acted as ``api.token_label`` (the API token's holder).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.errors import NotFoundOut, answers
from monitor.api.routes.alerts import AlertId, SessionsDep
from monitor.api.routing import JsonRoute
from monitor.api.schemas.silences import (
    AcknowledgementsResponse,
    SilenceIn,
    SilenceOut,
    SilencesResponse,
    SuppressedResponse,
    acknowledgement_out,
    silence_out,
    suppressed_out,
)
from monitor.store.limits import LARGEST_ID
from monitor.store.portfolios import check_portfolio
from monitor.store.silences import (
    acknowledge,
    add_silence,
    expire_silence,
    list_acknowledgements,
    list_silences,
    list_suppressed,
)
from monitor.store.transactions import write_transaction

router = APIRouter(
    prefix="/api/v1",
    tags=["silences"],
    route_class=JsonRoute,
    responses=answers(503, "Started without a database, or it cannot be reached"),
)
SilenceId = Annotated[int, Path(ge=1, le=LARGEST_ID, description="The silence's id")]
OfPortfolio = Annotated[
    str | None, Query(description="A portfolio, an account, or an entry (its accounts too)")
]
Limit = Annotated[int, Query(ge=1, le=1000)]
UNKNOWN_PORTFOLIO = answers(404, "No such portfolio (the known ones are listed)", NotFoundOut)


def require_known(session: SessionDep, settings: SettingsDep, portfolio: str | None) -> None:
    """A portfolio filter names a portfolio the store or the config knows, else a 404."""
    if portfolio is not None:
        check_portfolio(session=session, portfolio_id=portfolio, configured=settings.portfolio_ids)


@router.get("/silences", response_model=SilencesResponse)
def silences(
    session: SessionDep,
    ended: Annotated[bool, Query(description="Expired silences too")] = False,
) -> SilencesResponse:
    """Active silences, soonest end first."""
    now = datetime.now(UTC)
    return SilencesResponse(
        silences=[silence_out(s, now) for s in list_silences(session=session, now=now, ended=ended)]
    )


@router.post(
    "/silences",
    response_model=SilenceOut,
    responses=answers(404, "No such portfolio (the known ones are listed)", NotFoundOut),
)
def silence(body: SilenceIn, sessions: SessionsDep, settings: SettingsDep) -> SilenceOut:
    """Hold back reminders (with ``all``, first alerts and escalations too) for the
    matching portfolios, from now for ``for``."""
    now = datetime.now(UTC)
    new = body.new(settings.api.token_label, now)
    with write_transaction(sessions) as session:
        record = add_silence(session=session, new=new, now=now, configured=settings.portfolio_ids)
    return silence_out(record, now)


@router.post(
    "/silences/{silence_id}/expire",
    response_model=SilenceOut,
    responses={**answers(404, "No such silence"), **answers(409, "It has ended already")},
)
def expire(silence_id: SilenceId, sessions: SessionsDep, settings: SettingsDep) -> SilenceOut:
    """End a silence now; a reminder then goes at the next tick if still out of band."""
    now = datetime.now(UTC)
    with write_transaction(sessions) as session:
        record = expire_silence(
            session=session, silence_id=silence_id, now=now, by=settings.api.token_label
        )
    return silence_out(record, now)


@router.post(
    "/alerts/{alert_id}/ack",
    response_model=AcknowledgementsResponse,
    tags=["alerts"],
    responses={**answers(404, "No such alert"), **answers(409, "Nothing it names is drifted")},
)
def ack(
    alert_id: AlertId, sessions: SessionsDep, settings: SettingsDep
) -> AcknowledgementsResponse:
    """Acknowledge an alert: each portfolio it names that is out of band gets no reminders
    while its drift state stays as it is now."""
    with write_transaction(sessions) as session:
        made = acknowledge(
            session=session, alert_id=alert_id, now=datetime.now(UTC), by=settings.api.token_label
        )
    return AcknowledgementsResponse(acknowledgements=[acknowledgement_out(a) for a in made])


@router.get(
    "/acknowledgements", response_model=AcknowledgementsResponse, responses=UNKNOWN_PORTFOLIO
)
def acknowledgements(
    session: SessionDep, settings: SettingsDep, portfolio: OfPortfolio = None, limit: Limit = 100
) -> AcknowledgementsResponse:
    """Acknowledgements, newest first."""
    require_known(session, settings, portfolio)
    found = list_acknowledgements(session=session, portfolio_id=portfolio, limit=limit)
    return AcknowledgementsResponse(acknowledgements=[acknowledgement_out(a) for a in found])


@router.get("/suppressed-notices", response_model=SuppressedResponse, responses=UNKNOWN_PORTFOLIO)
def suppressed(
    session: SessionDep, settings: SettingsDep, portfolio: OfPortfolio = None, limit: Limit = 100
) -> SuppressedResponse:
    """Notices a silence or an acknowledgement held back, newest first."""
    require_known(session, settings, portfolio)
    found = list_suppressed(session=session, portfolio_id=portfolio, limit=limit)
    return SuppressedResponse(suppressed=[suppressed_out(s) for s in found])
