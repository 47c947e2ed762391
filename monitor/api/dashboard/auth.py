"""The dashboard's login: the API token typed once into a form, kept as a session cookie.

The token travels in a POST body, never in a URL; signing out (a POST too, so that no link
or prefetch ends a session) clears the cookie. The cookie holds a value signed with the
token (``security.session_value``), HttpOnly (no script reads it) and SameSite=Strict (no
other site's page sends it), and it authorises the JSON routes the pages call too.
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from monitor.api.dashboard.views import templates
from monitor.api.deps import SettingsDep
from monitor.api.security import SESSION_COOKIE, session_value

router = APIRouter(include_in_schema=False)

NextQuery = Annotated[str, Query(max_length=2000)]


def safe_next(wanted: str) -> str:
    """A path on this site to go back to; anything else (another host) is the overview."""
    return wanted if wanted.startswith("/") and not wanted.startswith("//") else "/"


def form(request: Request, wanted: str, error: str | None, status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "login.html",
        {"next": safe_next(wanted), "error": error, "zone": None},
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, settings: SettingsDep, next: NextQuery = "/") -> Response:
    if settings.api.token is None:
        return RedirectResponse(safe_next(next), status_code=303)
    return form(request, next, None)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, settings: SettingsDep) -> Response:
    fields = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    wanted = safe_next(fields.get("next", ["/"])[0])
    if settings.api.token is None:
        return RedirectResponse(wanted, status_code=303)
    token = settings.api.token.get_secret_value().encode()
    given = fields.get("token", [""])[0].encode()
    if not hmac.compare_digest(given, token):
        return form(request, wanted, "That is not the API token.", status=401)
    response = RedirectResponse(wanted, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_value(token),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response
