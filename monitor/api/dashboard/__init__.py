"""The dashboard: server-rendered pages beside the API, on the same port, with the same auth."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from monitor.api.dashboard import alert_pages, auth, overview_page, portfolio_page

STATIC = Path(__file__).parent / "static"


def install_dashboard(app: FastAPI) -> None:
    """The pages at ``/``, ``/portfolios/...`` and ``/alerts``, the login form at ``/login``
    (when ``api.token`` is set); their CSS and JS (uPlot vendored, no CDN) under
    ``/static``."""
    app.include_router(auth.router)
    app.include_router(overview_page.router)
    app.include_router(portfolio_page.router)
    app.include_router(alert_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
