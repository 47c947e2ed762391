"""The OpenAPI document: what the API takes and every answer it may give.

FastAPI writes it from the routes; what it cannot know is added here, so that a request the
document allows is accepted (but for rules between fields that JSON Schema cannot state:
targets summing to 100, a value below the holdings' sum...):

- A ``Decimal`` input is a JSON number. Pydantic documents "a number, or any string" (it
  reads numeric strings too, and still does), which calls every string valid.
- A query parameter holding JSON (``holdings``, ``target_allocations``) is described by its
  JSON's schema (a parameter's ``content``), not as any string: ``json_parameter`` marks one.
- The guard's refusals (``security.ApiGuard``) on every operation: 401 when a token is set,
  413 and 414; and 415 on every operation taking a body (``routing.read_json_body``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from monitor.api.errors import ErrorOut
from monitor.api.routing import JSON_TYPE
from monitor.api.security import OPEN_PATHS

JSON_CONTENT = "contentMediaType"
JSON_SCHEMA = "contentSchema"
ERROR = {JSON_TYPE: {"schema": ErrorOut.model_json_schema()}}


def json_parameter(schema: dict[str, Any]) -> dict[str, Any]:
    """``Query(json_schema_extra=...)`` for a parameter whose text is JSON of ``schema``."""
    return {JSON_CONTENT: JSON_TYPE, JSON_SCHEMA: schema}


def install_openapi(app: FastAPI, *, token: bool) -> None:
    """``token``: the API asks for a bearer token (``api.token``), so every operation but
    the open ones may answer 401."""
    written = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = written()  # FastAPI's, kept in app.openapi_schema
        if first:
            for path, operations in document["paths"].items():
                for operation in operations.values():
                    for parameter in operation.get("parameters", []):
                        described(parameter)
                    refusals(operation, guarded=token and path not in OPEN_PATHS)
            numbers_only(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def described(parameter: dict[str, Any]) -> None:
    """A JSON query parameter described by its JSON's schema, as OpenAPI's ``content``."""
    schema = parameter["schema"]
    if JSON_SCHEMA in schema:  # an optional one's, beside its anyOf: [string, null]
        del parameter["schema"]
        parameter["content"] = {JSON_TYPE: {"schema": schema[JSON_SCHEMA]}}


def refusals(operation: dict[str, Any], *, guarded: bool) -> None:
    responses = operation["responses"]
    if guarded:
        responses["401"] = refusal("No bearer token, or not the one configured (api.token)")
    responses["413"] = refusal("The body is larger than api.max_body_bytes")
    responses["414"] = refusal("The query string is longer than api.max_query_bytes")
    if "requestBody" in operation:
        responses["415"] = refusal(f"The body was not sent as {JSON_TYPE}")


def refusal(description: str) -> dict[str, Any]:
    return {"description": description, "content": ERROR}


def numbers_only(node: object) -> None:
    """Every ``anyOf: [number, string, ...]`` (a ``Decimal`` input), without the string."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and any(is_number(o) for o in options):
            kept = [option for option in options if option != {"type": "string"}]
            if len(kept) == 1:
                del node["anyOf"]
                node.update(kept[0])
            else:
                node["anyOf"] = kept
        for value in node.values():
            numbers_only(value)
    elif isinstance(node, list):
        for item in node:
            numbers_only(item)


def is_number(option: object) -> bool:
    return isinstance(option, dict) and option.get("type") == "number"
