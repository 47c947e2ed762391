"""The FastAPI application: seed-compatible allocation routes, history, alerts and health."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from monitor.api.errors import install_error_handlers
from monitor.api.routes import alerts, allocation, health, history
from monitor.settings import Settings
from monitor.store.engine import session_factory


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The app; without ``engine`` (a migrated database), the history routes answer 503."""
    app = FastAPI(
        title="allocation-monitor",
        summary="Watches portfolios' allocations and says when to rebalance.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = None if engine is None else session_factory(engine)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(allocation.router)
    app.include_router(history.router)
    app.include_router(alerts.router)
    return app
