"""The FastAPI application: seed-compatible allocation routes, history, alerts and health."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy import Engine

from monitor.api.dashboard import install_dashboard
from monitor.api.errors import install_error_handlers
from monitor.api.openapi import install_openapi
from monitor.api.routes import (
    alerts,
    history,
    overview,
    portfolio,
    replay,
    silences,
)
from monitor.api.routes.allocation import install_allocation
from monitor.api.routes.health import Scheduler, install_health
from monitor.api.security import install_security
from monitor.runtime.metrics import metrics_registry
from monitor.runtime.outage_log import OutageLog
from monitor.settings import Settings
from monitor.store.engine import session_factory


def create_app(
    settings: Settings, *, engine: Engine | None = None, scheduler: Scheduler | None = None
) -> FastAPI:
    """The app; without ``engine`` (a migrated database), the history routes answer 503.

    ``scheduler`` is the daemon of this process, if it runs one: readiness then checks it
    and its ticks, and /metrics adds its counts.
    """
    app = FastAPI(
        title="allocation-monitor",
        summary="Watches portfolios' allocations and says when to rebalance.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = None if engine is None else session_factory(engine)
    app.state.scheduler = scheduler
    # The database failing under every request or scrape is said once, then once a minute.
    app.state.outages = OutageLog(logging.getLogger("monitor.api"))
    app.state.metrics = metrics_registry(
        settings,
        app.state.sessions,
        None if scheduler is None else scheduler.metrics,
        app.state.outages,
    )
    install_error_handlers(app)
    install_security(app, settings.api)
    install_openapi(app, token=settings.api.token is not None)
    install_health(app)
    install_allocation(app)
    app.include_router(history.router)
    app.include_router(alerts.router)
    app.include_router(silences.router)
    app.include_router(replay.router)
    app.include_router(overview.router)
    app.include_router(portfolio.router)
    install_dashboard(app)
    return app
