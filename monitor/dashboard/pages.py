"""The dashboard's pages: server-rendered HTML over the same functions the JSON API answers
with, so that a page never shows other numbers than the API.

- ``/``: the overview (``api/overview.py``), sorted, searched, filtered and paged;
- ``/portfolios/{id}``: current against target, drift over time (drawn by
  ``static/dashboard.js`` from the API's drift history), holdings, the current plan, the
  alerts, and the attribution of a period;
- ``/alerts`` and ``/alerts/{id}``: the outbox, and one alert whole (a digest's accounts).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from monitor.api.current import classes_now, config_of, plan_now
from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.overview import overview
from monitor.api.routes.alerts import AlertId
from monitor.api.routes.history import known, window_of
from monitor.api.routes.overview import OverviewQueryDep
from monitor.api.schemas.alerts import AlertStatus, alert_detail, alert_out
from monitor.api.schemas.current import CurrentResponse
from monitor.api.schemas.history import attribution_response, snapshot_out
from monitor.api.schemas.plans import plan_out
from monitor.dashboard.views import missing, page
from monitor.domain.attribution import attribute
from monitor.errors import MonitorError, NotFoundError, UnknownPortfolioError
from monitor.notify.routing import notify_for_route, render_for
from monitor.settings import EntryConfig, Settings
from monitor.store.outbox import OutboxItem, attempts_of, get_notification, list_notifications
from monitor.store.records import SnapshotRecord
from monitor.store.snapshots import attribution_window, latest_snapshot

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

RANGES = {"30d": timedelta(days=30), "1y": timedelta(days=365), "all": None}
ALERTS_SHOWN = 50


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


def bar_scale(classes: CurrentResponse) -> float:
    """The percent the bars' full width stands for: room for the widest band or bar."""
    widest = max((max(c.upper, c.current_percent) for c in classes.classes), default=Decimal(1))
    return float(min(Decimal(100), widest * Decimal("1.15"))) or 1.0


def message_text(item: OutboxItem, settings: Settings) -> str:
    """The message as it reads (or read) when sent, or why it cannot be rendered."""
    try:
        notify = notify_for_route(settings, item.route)
        public_url = settings.api.public_url
        return render_for(item.payload, notify, alert_id=item.id, public_url=public_url).body_text
    except MonitorError as error:
        return f"(cannot be rendered: {error})"


def attribution_of(
    session: Session, portfolio_id: str, since: str | None, until: str | None
) -> tuple[Any, str | None]:
    try:
        window = window_of(since, until)
        first, last = attribution_window(
            session=session, portfolio_id=portfolio_id, since=window.since, until=window.until
        )
    except MonitorError as error:
        return None, str(error)
    result = attribute(first.valuation(), last.valuation())
    return attribution_response(portfolio_id, result, first.id, last.id), None


def plan_of(snapshot: SnapshotRecord, config: EntryConfig) -> tuple[Any, str | None]:
    try:
        return plan_out(plan_now(snapshot, config)), None
    except MonitorError as error:
        return None, str(error)


def currency_labels(classes: CurrentResponse | None) -> dict[str, Any]:
    """How money figures name the base currency: ``unit`` after a figure, ``in_base`` after
    a column's title; empty in single-currency mode."""
    currency = None if classes is None else classes.base_currency
    if currency is None:
        return {"currency": "", "unit": "", "in_base": ""}
    return {"currency": currency, "unit": f" {currency}", "in_base": f" ({currency})"}


@router.get("/portfolios/{portfolio_id:path}")
def portfolio_page(
    request: Request,
    portfolio_id: str,
    session: SessionDep,
    settings: SettingsDep,
    shown: Annotated[str, Query(alias="range", pattern="^(30d|1y|all)$")] = "1y",
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    try:
        config = config_of(session, settings, portfolio_id)
    except UnknownPortfolioError as error:
        return missing(request, settings, error)
    span = RANGES[shown]
    start = None if span is None else datetime.now(UTC) - span
    window = "" if start is None else "?" + urlencode({"since": start.isoformat()})
    api = f"/api/v1/portfolios/{quote(portfolio_id, safe='/')}"
    snapshot = latest_snapshot(session=session, portfolio_id=portfolio_id)
    classes = None if snapshot is None else classes_now(snapshot, config)
    plan, plan_error = (None, None) if snapshot is None else plan_of(snapshot, config)
    attribution, attribution_error = attribution_of(session, portfolio_id, since, until)
    alerts = list_notifications(session=session, portfolio_id=portfolio_id, limit=ALERTS_SHOWN)
    return page(
        request,
        "portfolio.html",
        settings,
        **currency_labels(classes),
        portfolio_id=portfolio_id,
        snapshot=None if snapshot is None else snapshot_out(snapshot),
        classes=classes,
        scale=None if classes is None else bar_scale(classes),
        range=shown,
        ranges=list(RANGES),
        drift_url=f"{api}/drift-history{window}",
        ticks_url=f"{api}/ticks{window}",
        plan_csv_url=f"{api}/plan.csv",
        plan=plan,
        plan_error=plan_error,
        alerts=[(alert_out(item), message_text(item, settings)) for item in alerts],
        attribution=attribution,
        attribution_error=attribution_error,
        since=since or "",
        until=until or "",
    )


@router.get("/alerts")
def alerts_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    portfolio: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[AlertStatus | None, Query()] = None,
) -> HTMLResponse:
    if portfolio:
        try:
            known(session, settings, portfolio)
        except UnknownPortfolioError as error:
            return missing(request, settings, error)
    items = list_notifications(
        session=session, portfolio_id=portfolio or None, status=status, limit=100
    )
    return page(
        request,
        "alerts.html",
        settings,
        alerts=[alert_out(item) for item in items],
        portfolio=portfolio,
        status=status or "",
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
