"""The alert pages: ``/alerts``, the outbox paged and filtered, beside the alert tools
(silences, acknowledgements, held-back notices); ``/alerts/{id}``, one alert whole (a
digest's accounts), with its attempts and its text."""

from __future__ import annotations

import math
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from monitor.api.dashboard.alert_tools import (
    TOOLS_SHOWN,
    acknowledgements_of,
    silences_of,
    suppressed_of,
)
from monitor.api.dashboard.views import missing, page, page_router
from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.routes.alerts import AlertId
from monitor.api.routes.history import known
from monitor.api.schemas.alerts import AlertStatus, alert_detail, alert_out
from monitor.errors import MonitorError, NotFoundError, UnknownPortfolioError
from monitor.notify.routing import notify_for_route, render_for
from monitor.settings import Settings
from monitor.store.limits import LARGEST_ID
from monitor.store.outbox import (
    OutboxItem,
    attempts_of,
    count_notifications,
    get_notification,
    list_notifications,
)

router = page_router()

ALERTS_PER_PAGE = 100


def message_text(item: OutboxItem, settings: Settings) -> str:
    """The message as it reads (or read) when sent, or why it cannot be rendered."""
    try:
        notify = notify_for_route(settings, item.route)
        public_url = settings.api.public_url
        return render_for(item.payload, notify, alert_id=item.id, public_url=public_url).body_text
    except MonitorError as error:
        return f"(cannot be rendered: {error})"


@router.get("/alerts")
def alerts_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    portfolio: Annotated[str, Query(max_length=200)] = "",
    # The filter form's "any" is an empty status.
    status: Annotated[AlertStatus | Literal[""], Query()] = "",
    number: Annotated[int, Query(alias="page", ge=1, le=LARGEST_ID)] = 1,
) -> HTMLResponse:
    if portfolio:
        try:
            known(session, settings, portfolio)
        except UnknownPortfolioError as error:
            return missing(request, settings, error)
    matched = count_notifications(
        session=session, portfolio_id=portfolio or None, status=status or None
    )
    pages = max(1, math.ceil(matched / ALERTS_PER_PAGE))
    number = min(number, pages)
    items = list_notifications(
        session=session,
        portfolio_id=portfolio or None,
        status=status or None,
        limit=ALERTS_PER_PAGE,
        offset=(number - 1) * ALERTS_PER_PAGE,
    )
    base = {"portfolio": portfolio, "status": status}

    def link(shown: int) -> str:
        return "?" + urlencode({**base, "page": shown})

    return page(
        request,
        "alerts.html",
        settings,
        alerts=[alert_out(item) for item in items],
        matched=matched,
        page_number=number,
        pages=pages,
        link=link,
        silences=silences_of(session, portfolio or None),
        acknowledgements=acknowledgements_of(session, portfolio or None),
        suppressed=suppressed_of(session, portfolio or None, TOOLS_SHOWN),
        portfolio=portfolio,
        status=status,
        statuses=["pending", "sent", "dead"],
    )


@router.get("/alerts/{alert_id}")
def alert_page(
    request: Request, alert_id: AlertId, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    try:
        item = get_notification(session=session, notification_id=alert_id)
    except NotFoundError as error:
        return missing(request, settings, error)
    detail = alert_detail(item, attempts_of(session=session, notification_id=alert_id))
    return page(request, "alert.html", settings, alert=detail, text=message_text(item, settings))
