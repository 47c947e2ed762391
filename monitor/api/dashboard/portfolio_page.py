"""A portfolio's page at ``/portfolios/{id}``: current against target, drift over time
(drawn by ``static/dashboard.js`` from the API's drift history), holdings, the current
plan, the alerts and held-back notices, the silences and acknowledgements, a replay of
policies over its history, and the attribution of a period.

Each part is what the API answers for it; a part that cannot be worked out (no plan, a
window with no snapshots) shows why, and the rest of the page is still shown.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from monitor.api.current import classes_now, config_of, plan_now
from monitor.api.dashboard.alert_pages import message_text
from monitor.api.dashboard.alert_tools import acknowledgements_of, silences_of, suppressed_of
from monitor.api.dashboard.views import missing, page, page_router
from monitor.api.deps import SessionDep, SettingsDep
from monitor.api.routes.history import window_of
from monitor.api.schemas.alerts import AlertOut, alert_out
from monitor.api.schemas.current import CurrentResponse
from monitor.api.schemas.history import attribution_response, snapshot_out
from monitor.api.schemas.plans import plan_out
from monitor.api.schemas.replay import Preset, ReplayResponse, run_replay
from monitor.api.schemas.silences import SuppressedOut
from monitor.domain.attribution import attribute
from monitor.domain.history import parse_window
from monitor.errors import MonitorError, UnknownPortfolioError
from monitor.replay_presets import PRESETS
from monitor.settings import EntryConfig, Settings
from monitor.settings.replay_policies import changes_of
from monitor.store.outbox import list_notifications
from monitor.store.records import SnapshotRecord
from monitor.store.snapshots import attribution_window, latest_snapshot

router = page_router()

RANGES = {"30d": timedelta(days=30), "1y": timedelta(days=365), "all": None}
ALERTS_SHOWN = 50


def bar_scale(classes: CurrentResponse) -> float:
    """The percent the bars' full width stands for: room for the widest band or bar."""
    widest = max((max(c.upper, c.current_percent) for c in classes.classes), default=Decimal(1))
    return float(min(Decimal(100), widest * Decimal("1.15"))) or 1.0


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
