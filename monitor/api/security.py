"""The API's guard: a bearer token (or the dashboard's session cookie), request size limits
and (only when configured) CORS.

One pure ASGI middleware rather than a dependency per router, so that a route added later is
protected without anyone remembering to. It answers before the app reads anything: a
missing or wrong token is a 401, a query string over the limit a 414, a body over the
limit a 413 (announced by Content-Length, or found while it is read), each with a JSON
body shaped like the app's other errors.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.settings import ApiSettings

log = logging.getLogger(__name__)

# Liveness stays open: container and orchestrator probes carry no credentials. So does the
# dashboard's login form, its sign-out (which only clears the cookie, so a session the token
# no longer signs can still be ended), and its static files (stylesheets, scripts: nothing
# of anyone's).
OPEN_PATHS = frozenset({"/healthz", "/login", "/logout"})
OPEN_PREFIXES = ("/static/",)
SESSION_COOKIE = "monitor_session"
# The cookie holds this, signed with the token, never the token itself: a cookie read off a
# disk or a log does not give the bearer token away.
SESSION_PURPOSE = b"allocation-monitor dashboard session"


def session_value(token: bytes) -> str:
    """What the session cookie holds while ``token`` is the API's token."""
    return hmac.new(token, SESSION_PURPOSE, hashlib.sha256).hexdigest()


def cookie(scope: Scope, name: str) -> str | None:
    for header, value in scope.get("headers", ()):
        if header == b"cookie":
            found: SimpleCookie = SimpleCookie()
            try:
                found.load(value.decode("latin-1"))
            except CookieError:  # a malformed header: as if it had no such cookie
                continue
            if name in found:
                return found[name].value
    return None


def wants_a_page(scope: Scope) -> bool:
    """A browser's navigation (GET, asking for HTML): sent to the login form, not a 401."""
    if scope.get("method") != "GET":
        return False
    return any(
        name == b"accept" and b"text/html" in value for name, value in scope.get("headers", ())
    )


def bearer_token(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credentials = value.partition(b" ")
            return credentials.strip() if scheme.lower() == b"bearer" else None
    return None


def content_length(scope: Scope) -> int | None:
    """The body's length as the server reads it: its Content-Length, unless a
    Transfer-Encoding is given too, which the server follows instead (RFC 9112, 6.3), so a
    small Content-Length cannot vouch for a long chunked body."""
    headers = dict(scope.get("headers", ()))
    if b"transfer-encoding" in headers:
        return None
    try:
        return int(headers[b"content-length"])
    except (KeyError, ValueError):
        return None


class ApiGuard:
    def __init__(self, app: ASGIApp, *, settings: ApiSettings) -> None:
        self.app = app
        self.token = None if settings.token is None else settings.token.get_secret_value().encode()
        self.session = None if self.token is None else session_value(self.token).encode()
        self.max_body = settings.max_body_bytes
        self.max_query = settings.max_query_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = content_length(scope)
        refusal = self.refusal(scope, length)
        if refusal is not None:
            await refusal(scope, receive, send)
        elif length is None:
            await self.limited(scope, receive, send)
        else:
            # Within the limit as announced: the server reads no more than Content-Length
            # says (what follows is the next request), so the body needs no counting.
            # Given with a Transfer-Encoding, it is no length (content_length).
            await self.app(scope, receive, send)

    def refusal(self, scope: Scope, length: int | None) -> Response | None:
        if self.token is not None and self.session is not None and not self.is_open(scope["path"]):
            refused = self.unauthorised(scope, self.token, self.session)
            if refused is not None:
                return refused
        if len(scope.get("query_string", b"")) > self.max_query:
            return JSONResponse(
                {"detail": f"the query string is longer than {self.max_query} bytes"},
                status_code=414,
            )
        if length is not None and length > self.max_body:
            return self.too_large()
        return None

    @staticmethod
    def is_open(path: str) -> bool:
        return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)

    @staticmethod
    def unauthorised(scope: Scope, token: bytes, session: bytes) -> Response | None:
        """None when the request carries the token, or a session cookie it signed."""
        given = bearer_token(scope)
        # compare_digest takes as long whatever the first differing byte.
        if given is not None and hmac.compare_digest(given, token):
            return None
        kept = cookie(scope, SESSION_COOKIE)
        if kept is not None and hmac.compare_digest(kept.encode(), session):
            return None
        if given is None and wants_a_page(scope):
            query = scope.get("query_string", b"").decode("latin-1")
            wanted = scope["path"] + (f"?{query}" if query else "")
            return RedirectResponse(f"/login?next={quote(wanted)}", status_code=303)
        detail = "a bearer token is required" if given is None else "invalid token"
        challenge = "Bearer" if given is None else 'Bearer error="invalid_token"'
        return JSONResponse(
            {"detail": detail}, status_code=401, headers={"WWW-Authenticate": challenge}
        )

    def too_large(self) -> JSONResponse:
        return JSONResponse(
            {"detail": f"the request body is larger than {self.max_body} bytes"}, status_code=413
        )

    async def limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read a body that announced no length (a chunked one) up to the limit before the
        app runs, then hand it over as one message. The app reads it whole anyway."""
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                await self.too_large()(scope, receive, send)
                return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # what comes after the body: a disconnect
            delivered = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def install_security(app: FastAPI, settings: ApiSettings) -> None:
    """The guard, then CORS around it, so that preflights and refusals carry CORS headers."""
    app.add_middleware(ApiGuard, settings=settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    if settings.token is None and not is_loopback(settings.host):
        log.warning(
            "the API listens on %s without a token: anyone who can reach it can read the "
            "portfolios; set api.token (or MONITOR_API__TOKEN_FILE)",
            settings.host,
        )
