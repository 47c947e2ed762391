"""The dashboard's pages: server-rendered HTML over the same functions the JSON API answers
with, so that a page never shows other numbers than the API.

- ``/``: the overview (``api/overview.py``), sorted, searched, filtered and paged;
- ``/portfolios/{id}``: current against target, drift over time (drawn by
  ``static/dashboard.js`` from the API's drift history), holdings, the current plan, the
  alerts and held-back notices, the silences and acknowledgements, a replay of policies
  over its history, and the attribution of a period;
- ``/alerts`` and ``/alerts/{id}``: the outbox, and one alert whole (a digest's accounts);
  beside the outbox, the silences, acknowledgements and held-back notices, read-only (the
  API and the CLI make and end them).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Annotated, Any, Literal
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
from monitor.api.schemas.alerts import AlertOut, AlertStatus, alert_detail, alert_out
from monitor.api.schemas.current import CurrentResponse
from monitor.api.schemas.history import attribution_response, snapshot_out
from monitor.api.schemas.plans import plan_out
from monitor.api.schemas.replay import Preset, ReplayResponse, run_replay
from monitor.api.schemas.silences import (
    AcknowledgementOut,
    SilenceOut,
    SuppressedOut,
    acknowledgement_out,
    silence_out,
    suppressed_out,
)
from monitor.dashboard.views import missing, page
from monitor.domain.attribution import attribute
from monitor.domain.history import parse_window
from monitor.errors import MonitorError, NotFoundError, UnknownPortfolioError
from monitor.notify.routing import notify_for_route, render_for
from monitor.settings import EntryConfig, Settings
from monitor.settings.replay_policies import PRESETS, changes_of
from monitor.store.limits import LARGEST_ID
from monitor.store.outbox import (
    OutboxItem,
    attempts_of,
    count_notifications,
    get_notification,
    list_notifications,
)
from monitor.store.records import SnapshotRecord
from monitor.store.silences import list_acknowledgements, list_silences, list_suppressed
from monitor.store.snapshots import attribution_window, latest_snapshot

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

RANGES = {"30d": timedelta(days=30), "1y": timedelta(days=365), "all": None}
ALERTS_SHOWN = 50
ALERTS_PER_PAGE = 100
RECENTLY_ENDED = timedelta(days=7)
TOOLS_SHOWN = 100


def silences_of(session: Session, portfolio_id: str | None) -> list[SilenceOut]:
    """Active silences and those ended in the last week, soonest end first; with a
    portfolio, those that match it or (a glob over an entry's accounts) some of its
    accounts."""
    now = datetime.now(UTC)
    return [
        silence_out(record, now)
        for record in list_silences(session=session, now=now - RECENTLY_ENDED)
        if portfolio_id is None
        or record.silence.matcher.matches(portfolio_id)
        or record.silence.matcher.portfolio.startswith(portfolio_id + "/")
    ]


def acknowledgements_of(session: Session, portfolio_id: str | None) -> list[AcknowledgementOut]:
    found = list_acknowledgements(session=session, portfolio_id=portfolio_id, limit=TOOLS_SHOWN)
    return [acknowledgement_out(a) for a in found]


def suppressed_of(session: Session, portfolio_id: str | None, limit: int) -> list[SuppressedOut]:
    found = list_suppressed(session=session, portfolio_id=portfolio_id, limit=limit)
    return [suppressed_out(s) for s in found]


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


def replay_of(
    session: Session, settings: Settings, portfolio_id: str, since: str, compare: list[Preset]
) -> tuple[ReplayResponse | None, str | None]:
    """The API's replay of the entry's own policy beside the presets picked; it reads the
    store and writes nothing, so a GET form asks for it."""
    try:
        return run_replay(
            session=session,
            settings=settings,
            portfolio_id=portfolio_id,
            window=parse_window(since or None, None, zone=UTC, names=("replay_since", "until")),
            changes=changes_of({}, "policy"),
            compare=list(dict.fromkeys(compare)),  # each preset once, however often asked
        ), None
    except MonitorError as error:
        return None, str(error)


def timeline(
    alerts: list[tuple[AlertOut, str]], held: list[SuppressedOut]
) -> list[tuple[datetime, Any, str | None]]:
    """Alerts (with their text) and held-back notices (without), newest first."""
    entries: list[tuple[datetime, Any, str | None]] = [
        (alert.created_at, alert, text) for alert, text in alerts
    ]
    entries += [(notice.decided_at, notice, None) for notice in held]
    return sorted(entries, key=itemgetter(0), reverse=True)[:ALERTS_SHOWN]


@router.get("/portfolios/{portfolio_id:path}")
def portfolio_page(
    request: Request,
    portfolio_id: str,
    session: SessionDep,
    settings: SettingsDep,
    shown: Annotated[str, Query(alias="range", pattern="^(30d|1y|all)$")] = "1y",
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    replay: bool = False,
    replay_since: Annotated[str, Query(max_length=40)] = "",
    compare: Annotated[list[Preset] | None, Query()] = None,
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
    held = suppressed_of(session, portfolio_id, ALERTS_SHOWN)
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
        timeline=timeline(
            [(alert_out(item), message_text(item, settings)) for item in alerts], held
        ),
        silences=silences_of(session, portfolio_id),
        acknowledgements=acknowledgements_of(session, portfolio_id),
        attribution=attribution,
        attribution_error=attribution_error,
        since=since or "",
        until=until or "",
        presets=list(PRESETS),
        compare=compare or [],
        replay_since=replay_since,
        replayed=replay_of(session, settings, portfolio_id, replay_since, compare or [])
        if replay
        else (None, None),
    )


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
