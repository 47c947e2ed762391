"""Domain errors -> HTTP answers with a JSON body; never a traceback to the client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.errors import (
    ConflictError,
    InputError,
    MonitorError,
    NotFoundError,
    StoreError,
    UnknownPortfolioError,
)

log = logging.getLogger(__name__)

# How the log names the requests that read the store, when the database fails them.
API_REQUESTS = "API requests"


class ErrorOut(BaseModel):
    """Every refusal but a 422: what went wrong, in a sentence."""

    detail: str


class NotFoundOut(ErrorOut):
    known: list[str] | None = Field(
        None, description="For an unknown portfolio: the portfolios there are"
    )


def answers(
    status: int, description: str, model: type[BaseModel] = ErrorOut
) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses`` entry: an answer it may give besides its own."""
    return {status: {"model": model, "description": description}}


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
        request.app.state.outages.failed(API_REQUESTS, error)
        return JSONResponse(status_code=503, content={"detail": str(error)})

    @app.exception_handler(MonitorError)
    async def monitor_error(request: Request, error: MonitorError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(error)})

    app.add_middleware(InternalErrorGuard)


class InternalErrorGuard:
    """Answers any other exception with a JSON 500 like every other answer, and logs it once,
    with its traceback (in the log, never in the body).

    Not an ``exception_handler(Exception)``: Starlette re-raises the error after such a
    handler answers, so that the server logs it as well, and one error made two records.
    Added first, so innermost: its 500s pass the CORS middleware like any answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if started:
                raise  # too late to answer; the server logs it and drops the connection
            log.exception("internal error answering %s %s", scope["method"], scope["path"])
            answer = JSONResponse(status_code=500, content={"detail": "internal error"})
            await answer(scope, receive, send)
