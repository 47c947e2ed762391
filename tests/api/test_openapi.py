"""The OpenAPI document is the API's contract, checked by Schemathesis over the real app.

Every operation, with valid and invalid requests (a fixed seed, a bounded number each), over
a real SQLite database holding history and alerts: no answer is a 5xx, every answer has a
status the document lists and the shape it gives there, and a request the document allows
is accepted (a 422 only for a rule between fields, which no JSON schema can state).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from monitor.api.app import create_app
from monitor.settings import Settings
from monitor.store.engine import make_engine
from tests.fixtures.sinks import WebhookSink
from tests.notify.world import stocked_outbox

# Bounded and repeatable: CI runs the whole suite in minutes.
CONFIG = {
    "seed": 14,
    "generation": {
        "mode": "all",
        "max-examples": int(os.environ.get("MONITOR_TEST_OPENAPI_EXAMPLES", "100")),
        "deterministic": True,
        "database": "none",
    },
    "phases": {"stateful": {"enabled": False}},
    # Drawing examples from these schemas is slower on a busy machine; not a finding.
    "suppress-health-check": ["too_slow"],
}


@pytest.fixture(scope="module")
def stocked_app(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    """The API over a SQLite file with snapshots, accounts, sent, digest and dead alerts."""
    folder = tmp_path_factory.mktemp("stocked")
    shutil.copyfile(migrated_sqlite, folder / "monitor.db")
    engine = make_engine(f"sqlite:///{folder / 'monitor.db'}")
    sink = WebhookSink()
    sink.start()
    try:
        outbox = stocked_outbox(engine, folder, sink)
        yield create_app(outbox.world.settings, engine=engine)
    finally:
        sink.stop()
        engine.dispose()


# The document does not depend on the database: read from an app without one, at import.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings()), config=schemathesis.Config.from_dict(CONFIG)
)


# Rules between fields, which JSON Schema cannot state: a request the document allows may
# break one of them, and only them (each is named in the document's descriptions).
BEYOND_SCHEMA = (
    "must sum to 100",  # targets, children, a fund's class weights
    "is given twice",  # class names equal once trimmed and lower-cased, symbols once trimmed
    "already appears",  # the same, in the GET endpoints' holdings
    "is above the target",  # a class's band edges around its target
    "is below the target",
    "is below the holdings' sum",  # portfolio_value
    "the portfolio is worth nothing",  # less than a cent in all
    "is too large",  # the holdings' sum, past 10^18
    "is not quantity x price",  # a holding whose value and quantity x price disagree
    "it needs a relative_threshold",  # the hybrid rule
    "invests no new cash",  # cash with mode sell_only
    "only the sell_only mode raises cash",
    "cannot raise",  # raise_cash above the portfolio's value
    "must be later than",  # until after since
    "not a cursor from a previous page",  # cursors are opaque
    "no base currency is set",  # holdings in two currencies need one
    "currency targets need a base_currency",
    "no exchange rate for",  # a holding's currency that fx_rates cannot convert
    "a pair needs two different currencies",  # EUREUR
    "is too long; at most 100 years",  # a silence's duration
    "a silence must last some time",  # 0d
)


def accepted_unless_beyond_schema(ctx: CheckContext, response: Response, case: Case) -> None:
    if response.status_code == 422:
        problems = [str(problem["msg"]) for problem in response.json()["detail"]]
        if all(any(rule in problem for rule in BEYOND_SCHEMA) for problem in problems):
            return
    positive_data_acceptance(ctx, response, case)


@schema.parametrize()
def test_every_operation_keeps_to_the_document(case: Case, stocked_app: FastAPI) -> None:
    case.call_and_validate(
        app=stocked_app,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            accepted_unless_beyond_schema,
        ],
    )


def document(**api: Any) -> dict[str, Any]:
    openapi: dict[str, Any] = create_app(Settings(api=api)).openapi()
    return openapi


def operations(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_lists_the_guards_refusals_and_415_where_it_takes_a_body() -> None:
    for name, operation in operations(document()):
        statuses = set(operation["responses"])
        assert {"413", "414"} <= statuses, name
        assert ("415" in statuses) == ("requestBody" in operation), name
        assert "401" not in statuses, name  # no token: nothing asks for one


def test_with_a_token_every_operation_but_liveness_lists_401() -> None:
    listed = {name for name, op in operations(document(token="s3cret")) if "401" in op["responses"]}
    assert listed == {name for name, _ in operations(document())} - {"GET /healthz"}


@pytest.mark.parametrize(
    "name",
    [
        "GET /api/v1/portfolios/{portfolio_id}/snapshots/latest",
        "GET /api/v1/portfolios/{portfolio_id}/snapshots",
        "GET /api/v1/portfolios/{portfolio_id}/drift-history",
        "GET /api/v1/portfolios/{portfolio_id}/history.csv",
        "GET /api/v1/portfolios/{portfolio_id}/attribution",
        "GET /api/v1/alerts",
        "GET /api/v1/alerts/{alert_id}",
        "POST /api/v1/alerts/{alert_id}/retry",
    ],
)
def test_what_is_not_found_is_a_documented_404_with_its_shape(name: str) -> None:
    openapi = document()
    found = dict(operations(openapi))[name]["responses"]
    schema = found["404"]["content"]["application/json"]["schema"]
    assert schema["$ref"].rsplit("/", 1)[-1] in ("ErrorOut", "NotFoundOut")
    assert "503" in found  # and a database that cannot be reached is a 503


def test_decimal_inputs_are_documented_as_numbers_not_as_any_string() -> None:
    def any_string_numbers(node: object) -> Iterator[object]:
        if isinstance(node, dict):
            types = [o.get("type") for o in node.get("anyOf", []) if isinstance(o, dict)]
            if "number" in types and {"type": "string"} in node["anyOf"]:
                yield node
            for value in node.values():
                yield from any_string_numbers(value)
        elif isinstance(node, list):
            for item in node:
                yield from any_string_numbers(item)

    assert list(any_string_numbers(document())) == []


def test_json_query_parameters_are_described_by_their_json() -> None:
    check = dict(operations(document()))["GET /api/v1/allocation/check-rebalancing"]
    parameters = {p["name"]: p for p in check["parameters"]}
    holdings = parameters["holdings"]["content"]["application/json"]["schema"]
    assert holdings["additionalProperties"] == {"$ref": "#/components/schemas/HoldingIn"}
    targets = parameters["target_allocations"]["content"]["application/json"]["schema"]
    assert (targets["type"], targets["minProperties"]) == ("object", 1)


def test_money_in_answers_is_documented_as_a_number() -> None:
    schemas = document()["components"]["schemas"]
    assert schemas["CalculateResponse"]["properties"]["portfolio_value"]["type"] == "number"
    assert schemas["TradeOut"]["properties"]["price"]["anyOf"][0] == {"type": "number"}
    assert schemas["SnapshotOut"]["properties"]["holdings_value"]["type"] == "number"
