"""The overview: every portfolio and account with its latest figures, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.errors import answers
from monitor.api.overview import MAX_PER_PAGE, PER_PAGE, OverviewQuery, overview
from monitor.api.routing import JsonRoute
from monitor.api.schemas.overview import OverviewResponse, SortKey, SortOrder

router = APIRouter(
    prefix="/api/v1/overview",
    tags=["overview"],
    route_class=JsonRoute,
    responses=answers(503, "Started without a database, or it cannot be reached"),
)


def overview_query(
    sort: Annotated[SortKey, Query()] = "worst_drift",
    order: Annotated[SortOrder, Query()] = "desc",
    q: Annotated[str, Query(max_length=200, description="Part of an id or a name")] = "",
    out_of_band: Annotated[bool, Query(description="Only rows that drifted")] = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
) -> OverviewQuery:
    return OverviewQuery(sort, order, q, out_of_band, page, per_page)


OverviewQueryDep = Annotated[OverviewQuery, Depends(overview_query)]


@router.get("", response_model=OverviewResponse)
def overview_page(
    session: SessionDep, settings: SettingsDep, query: OverviewQueryDep
) -> OverviewResponse:
    """One row per portfolio (an entry with many accounts: one per account), with its
    value, worst drift, classes out of band, state, last tick and last alert; sorted,
    searched, filtered to the drifted ones, and paged. ``entries`` counts each entry's rows
    per state."""
    return overview(session=session, settings=settings, query=query)
