"""The overview page at ``/`` (``api/overview.py``): every portfolio, sorted, searched,
filtered and paged as the API's overview is."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from monitor.api.dashboard.views import page, page_router
from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.overview import overview
from monitor.api.routes.overview import OverviewQueryDep

router = page_router()


@router.get("/")
def overview_page(
    request: Request, session: SessionDep, settings: SettingsDep, query: OverviewQueryDep
) -> HTMLResponse:
    found = overview(session=session, settings=settings, query=query)
    base = {"sort": query.sort, "order": query.order, "q": query.search}
    if query.out_of_band_only:
        base["out_of_band"] = "true"

    def link(**change: Any) -> str:
        return "?" + urlencode({**base, "page": found.page, **change})

    return page(request, "overview.html", settings, found=found, query=query, link=link)
