"""How every route reads its JSON body and writes its answer (``APIRouter(route_class=...)``).

A body is read as ``check`` reads a holdings file (``sources.json.parse_json``): a key given
twice, ``NaN``, invalid JSON or text that is not UTF-8 is a 422 naming the problem, and its
numbers are read as ``Decimal`` (a float keeps only about 16 digits). A body sent without a
JSON content type is a 415 saying which one to send. A route's model answer is written by
``exact_json``, so money comes back with the digits it was computed with.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from monitor.api.exact_json import exact_bytes
from monitor.errors import InputError, SourceError
from monitor.sources.json import parse_json

JSON_TYPE = "application/json"


class ExactJSONResponse(JSONResponse):
    """A JSON answer written by ``exact_json``."""

    def render(self, content: Any) -> bytes:
        return exact_bytes(content)


def is_json(content_type: str | None) -> bool:
    """``application/json``, with or without parameters, or a ``+json`` type."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return media == JSON_TYPE or (media.startswith("application/") and media.endswith("+json"))


def read_json_body(raw: bytes, content_type: str | None) -> object:
    if not is_json(content_type):
        given = f"got {content_type!r}" if content_type else "none was given"
        raise HTTPException(
            status_code=415,
            detail=f"the body must be JSON, sent with Content-Type: {JSON_TYPE} ({given})",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError("", f"the body is not UTF-8 text (byte {error.start})") from None
    try:
        return parse_json(text, "body")
    except SourceError as error:
        raise InputError("", error.problem) from None


class ReadRequest(Request):
    """A request whose body was read and parsed before FastAPI asks for it."""

    def __init__(self, request: Request, raw: bytes, parsed: object) -> None:
        super().__init__(request.scope, request.receive)
        self.raw = raw
        self.parsed = parsed

    async def body(self) -> bytes:
        return self.raw

    async def json(self) -> Any:
        return self.parsed


def exact_answers(endpoint: Callable[..., Any], *, on_loop: bool = False) -> Callable[..., Any]:
    """``endpoint``, answering with its model written by ``exact_json``. FastAPI reads the
    parameters and the model (for the OpenAPI document) through ``functools.wraps``.
    ``on_loop``: called on the event loop, not handed to a worker thread."""
    if inspect.iscoroutinefunction(endpoint):
        raise TypeError(f"{endpoint.__name__}: routes here are plain functions, not async")

    def exact(result: Any) -> Any:
        return ExactJSONResponse(result.model_dump()) if isinstance(result, BaseModel) else result

    if on_loop:

        @functools.wraps(endpoint)
        async def answer_now(*args: Any, **kwargs: Any) -> Any:
            return exact(endpoint(*args, **kwargs))

        return answer_now

    @functools.wraps(endpoint)
    def answer(*args: Any, **kwargs: Any) -> Any:
        return exact(endpoint(*args, **kwargs))

    return answer


class JsonRoute(APIRoute):
    on_loop = False

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, exact_answers(endpoint, on_loop=self.on_loop), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def read_first(request: Request) -> Response:
            raw = await request.body()
            if not raw:  # FastAPI answers that the body is required
                return await handler(request)
            parsed = read_json_body(raw, request.headers.get("content-type"))
            return await handler(ReadRequest(request, raw, parsed))

        return read_first


class ComputeRoute(JsonRoute):
    """A route that computes and touches nothing else (no database, no network): answered
    on the event loop. Handing a plain function to a worker thread and back costs more than
    the computation of a seed-sized portfolio; a thread would not run it sooner either, the
    interpreter running one thread at a time."""

    on_loop = True
