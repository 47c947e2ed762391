"""The dashboard: server-rendered pages beside the API, on the same port, with the same auth."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from monitor.dashboard.pages import router

STATIC = Path(__file__).parent / "static"


def install_dashboard(app: FastAPI) -> None:
    """The pages at ``/``, ``/portfolios/...`` and ``/alerts``; their CSS and JS (uPlot
    vendored, no CDN) under ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
