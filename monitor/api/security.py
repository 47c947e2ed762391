"""The API's guard: a bearer token, request size limits and (only when configured) CORS.

One pure ASGI middleware rather than a dependency per router, so that a route added later is
protected without anyone remembering to. It answers before the app reads anything: a
missing or wrong token is a 401, a query string over the limit a 414, a body over the
limit a 413 (announced by Content-Length, or found while it is read), each with a JSON
body shaped like the app's other errors.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.settings import ApiSettings

log = logging.getLogger(__name__)

# Liveness stays open: container and orchestrator probes carry no credentials.
OPEN_PATHS = frozenset({"/healthz"})


def bearer_token(scope: Scope) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credentials = value.partition(b" ")
            return credentials.strip() if scheme.lower() == b"bearer" else None
    return None


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ApiGuard:
    def __init__(self, app: ASGIApp, *, settings: ApiSettings) -> None:
        self.app = app
        self.token = None if settings.token is None else settings.token.get_secret_value().encode()
        self.max_body = settings.max_body_bytes
        self.max_query = settings.max_query_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.limited(scope, receive, send)

    def refusal(self, scope: Scope) -> JSONResponse | None:
        if self.token is not None and scope["path"] not in OPEN_PATHS:
            given = bearer_token(scope)
            # compare_digest takes as long whatever the first differing byte.
            if given is None or not hmac.compare_digest(given, self.token):
                detail = "a bearer token is required" if given is None else "invalid token"
                challenge = "Bearer" if given is None else 'Bearer error="invalid_token"'
                return JSONResponse(
                    {"detail": detail}, status_code=401, headers={"WWW-Authenticate": challenge}
                )
        if len(scope.get("query_string", b"")) > self.max_query:
            return JSONResponse(
                {"detail": f"the query string is longer than {self.max_query} bytes"},
                status_code=414,
            )
        length = content_length(scope)
        if length is not None and length > self.max_body:
            return self.too_large()
        return None

    def too_large(self) -> JSONResponse:
        return JSONResponse(
            {"detail": f"the request body is larger than {self.max_body} bytes"}, status_code=413
        )

    async def limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body up to the limit before the app runs (a chunked body announces no
        length), then hand it over as one message. The app reads it whole anyway."""
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
