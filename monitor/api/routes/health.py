"""Operations: liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics).

Liveness says only that the process answers (a container restarts it when it does not).
Readiness says whether it does its job: the database answers, the scheduler of this
process runs (when it has one), and every configured entry ticked successfully recently
enough, i.e. its latest ``ok`` or ``partial`` tick is at most two schedule periods plus a
grace old, so one slow, missed or failed slot is tolerated and two in a row are not (ticks
that fail, or start and never finish, count as none). An API started alone (``serve``) has
no scheduler, so its readiness is the database's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.api.routing import JsonRoute
from monitor.runtime.metrics import DaemonMetrics
from monitor.settings import Settings
from monitor.settings.schedules import latest_slot, period_of, trigger_for
from monitor.store.engine import first_line, first_text_line
from monitor.store.overview import latest_good_tick_times
from monitor.store.ticks import TickRecord, latest_ticks

# Slack beyond two periods: a tick's row is written when it starts, and the scheduler
# may start it a little after its slot.
READY_GRACE = timedelta(minutes=1)
NOT_READY = "Something is not ready; the checks say what."


class Scheduler(Protocol):
    """What the routes need of the daemon (``monitor.runtime.scheduler.Daemon``)."""

    metrics: DaemonMetrics

    @property
    def running(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def database_check(engine: Engine | None) -> Check:
    if engine is None:
        return Check("database", False, "this API was started without a database")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not reachable" here
        return Check("database", False, first_line(error))
    return Check("database", True, "reachable")


def tick_checks(settings: Settings, sessions: sessionmaker[Session], now: datetime) -> list[Check]:
    entry_ids = settings.portfolio_ids
    with sessions() as session:
        ticks = latest_ticks(session=session, portfolio_ids=entry_ids)
        good = latest_good_tick_times(session=session, entry_ids=entry_ids)
    checks = []
    for entry in settings.portfolios:
        name = f"ticks/{entry.id}"
        trigger = trigger_for(entry.schedule, settings.timezone)
        if latest_slot(trigger, now) is None:
            checks.append(Check(name, True, "no slot of its schedule has come yet"))
            continue
        tick = ticks.get(entry.id)
        if tick is None:
            checks.append(Check(name, False, "no tick yet"))
            continue
        # A tick that failed or never finished is no sign of life: ticks failing (or stuck)
        # for two periods make the entry not ready, with the latest one's error. A partial
        # tick's reason (an account left out: its unclassified symbols) is shown too.
        trouble = "" if tick.status == "ok" else f"; {unsuccessful(tick)}"
        last_good = good.get(entry.id)
        if last_good is None:
            checks.append(Check(name, False, f"no successful tick yet{trouble}"))
            continue
        limit = 2 * period_of(trigger, now) + READY_GRACE
        age = now - last_good
        detail = (
            f"latest successful tick scheduled {last_good.isoformat()}, "
            f"{int(age.total_seconds())}s ago; limit {int(limit.total_seconds())}s{trouble}"
        )
        checks.append(Check(name, age <= limit, detail))
    return checks


def unsuccessful(tick: TickRecord) -> str:
    """``latest tick scheduled ... (failed): csv family.csv: file not found``."""
    line = first_text_line(tick.error or "")
    error = f": {line}" if line else ""
    return f"latest tick scheduled {tick.scheduled_at.isoformat()} ({tick.status}){error}"


def readiness(request: Request) -> list[Check]:
    state = request.app.state
    scheduler: Scheduler | None = state.scheduler
    checks = [database_check(state.engine)]
    if scheduler is not None:
        checks.append(
            Check("scheduler", scheduler.running, "running" if scheduler.running else "stopped")
        )
        if checks[0].ok:
            checks += tick_checks(state.settings, state.sessions, datetime.now(UTC))
    return checks


def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


def readyz(request: Request) -> JSONResponse:
    """Database reachable, scheduler running, every entry ticked recently (503 if not)."""
    checks = readiness(request)
    ready = all(check.ok for check in checks)
    body: dict[str, Any] = {
        "status": "ready" if ready else "not ready",
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
    }
    if not ready:
        body["not_ready"] = [c.name for c in checks if not c.ok]
    return JSONResponse(body, status_code=200 if ready else 503)


def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's registry."""
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install_health(app: FastAPI) -> None:
    """The three routes, added to the app's own router, as the allocation routes are (see
    ``install_allocation``): an included router is matched before every route after it."""
    for path, endpoint, answers in (
        ("/healthz", healthz, {}),
        ("/readyz", readyz, {"responses": {503: {"description": NOT_READY}}}),
        ("/metrics", metrics, {"response_class": Response}),
    ):
        app.router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            tags=["operations"],
            route_class_override=JsonRoute,
            **answers,
        )
