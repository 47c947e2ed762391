"""How the dashboard's pages are rendered: the Jinja2 templates, their filters, and times
in the configured timezone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from monitor.domain.numbers import money_text, round2
from monitor.settings import Settings

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def local(moment: datetime | None, zone: str) -> str:
    """A time as the configured timezone reads it: ``2024-03-01 13:00 CET``."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def money(value: Any) -> str:
    return "" if value is None else money_text(value)


def pct(value: Any) -> str:
    return "" if value is None else f"{round2(value):.2f}"


templates.env.filters.update(money=money, pct=pct, quote=lambda v: quote(v, safe="/"))


def page_router() -> APIRouter:
    """A router of pages: HTML answers, left out of the API's OpenAPI schema."""
    return APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def page(
    request: Request, name: str, settings: Settings, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {
            "zone": settings.timezone,
            # Only a token makes a session, so only then is there one to end.
            "sign_out": settings.api.token is not None,
            "local": lambda moment: local(moment, settings.timezone),
            **context,
        },
        status_code=status_code,
    )


def missing(request: Request, settings: Settings, error: LookupError) -> HTMLResponse:
    """A 404 a person reads: what is missing (an unknown portfolio's message names the
    known ones), and the way back."""
    return page(request, "missing.html", settings, status_code=404, message=str(error))
