"""The FastAPI application: seed-compatible allocation routes, history, alerts and health."""

from __future__ import annotations

from fastapi import FastAPI

from monitor.api.errors import install_error_handlers
from monitor.api.routes import allocation, health
from monitor.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="allocation-monitor",
        summary="Watches portfolios' allocations and says when to rebalance.",
        version="0.1.0",
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(allocation.router)
    return app
