"""Domain errors -> HTTP answers with a JSON body; never a traceback to the client."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from monitor.errors import (
    ConflictError,
    InputError,
    MonitorError,
    NotFoundError,
    StoreError,
    UnknownPortfolioError,
)

log = logging.getLogger(__name__)


def input_error_body(error: InputError, location: str) -> dict[str, object]:
    """The same shape as FastAPI's own 422 answers, so clients handle one format."""
    loc: list[str] = [location, *[part for part in error.field.split(".") if part]]
    return {"detail": [{"loc": loc, "msg": error.problem, "type": "value_error"}]}


def input_location(request: Request) -> str:
    """Where a request's inputs come from: the body, or for an endpoint without one (every
    GET) the query string; so routes raise ``InputError`` as it is, wherever it arose."""
    route = request.scope.get("route")
    return "body" if isinstance(route, APIRoute) and route.body_field is not None else "query"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes each bad input back, and a NaN in it cannot be
        # written as JSON (a 500); location, message and type say all a client needs.
        detail = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in error.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(InputError)
    async def input_error(request: Request, error: InputError) -> JSONResponse:
        body = input_error_body(error, input_location(request))
        return JSONResponse(status_code=422, content=body)

    @app.exception_handler(UnknownPortfolioError)
    async def unknown_portfolio(request: Request, error: UnknownPortfolioError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error), "known": error.known})

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, error: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, error: ConflictError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, error: StoreError) -> JSONResponse:
        log.error("database unavailable: %s", error)
        return JSONResponse(status_code=503, content={"detail": str(error)})

    @app.exception_handler(MonitorError)
    async def monitor_error(request: Request, error: MonitorError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(error)})

    # Starlette answers anything else with a plain-text 500; this makes it JSON like every
    # other answer, and keeps the traceback in the log, never in the body.
    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        log.error(
            "internal error answering %s %s", request.method, request.url.path, exc_info=error
        )
        return JSONResponse(status_code=500, content={"detail": "internal error"})
