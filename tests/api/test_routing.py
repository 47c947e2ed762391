"""How every route reads its JSON body: as strictly as ``check`` reads a file, or a 422/415."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from monitor.api.routes import alerts, allocation, health, history
from monitor.api.routing import JsonRoute
from tests.fixtures.api import CALCULATE

JSON = {"content-type": "application/json"}
BODY = '{"holdings": {"AAPL": {"asset_class": "stocks", "value": 100}}}'


def refusal(client: TestClient, content: bytes | str, headers: dict[str, str]) -> list[object]:
    response = client.post(CALCULATE, content=content, headers=headers)
    assert response.status_code == 422, response.text
    detail: list[object] = response.json()["detail"]
    return detail


def test_a_holding_given_twice_in_a_body_is_a_422_naming_it(client: TestClient) -> None:
    body = (
        '{"holdings": {"AAPL": {"asset_class": "stocks", "value": 1},'
        ' "AAPL": {"asset_class": "bonds", "value": 2}}}'
    )
    assert refusal(client, body, JSON) == [
        {"loc": ["body"], "msg": "invalid JSON: key 'AAPL' is given twice", "type": "value_error"}
    ]


def test_a_field_given_twice_in_a_body_is_a_422_naming_it(client: TestClient) -> None:
    body = BODY[:-1] + ', "portfolio_value": 100, "portfolio_value": 200}'
    [problem] = refusal(client, body, JSON)
    assert problem == {
        "loc": ["body"],
        "msg": "invalid JSON: key 'portfolio_value' is given twice",
        "type": "value_error",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[[[", "invalid JSON at line 1, column 5: Expecting value"),
        ('{"holdings": }', "invalid JSON at line 1, column 14: Expecting value"),
        ("[" * 100_000, "invalid JSON: nested too deeply"),
        (b'{"holdings": "\xff"}', "the body is not UTF-8 text (byte 14)"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_422_naming_the_problem(
    client: TestClient, body: str | bytes, message: str
) -> None:
    assert refusal(client, body, JSON) == [{"loc": ["body"], "msg": message, "type": "value_error"}]


@pytest.mark.parametrize(
    ("headers", "given"),
    [({"content-type": "text/plain"}, "got 'text/plain'"), ({}, "none was given")],
)
def test_json_sent_as_another_content_type_is_a_415_saying_which_to_send(
    client: TestClient, headers: dict[str, str], given: str
) -> None:
    response = client.post(CALCULATE, content=BODY, headers=headers)
    assert response.status_code == 415
    assert response.json() == {
        "detail": f"the body must be JSON, sent with Content-Type: application/json ({given})"
    }


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_content_types_with_parameters_or_a_suffix_are_read(
    client: TestClient, content_type: str
) -> None:
    response = client.post(CALCULATE, content=BODY, headers={"content-type": content_type})
    assert response.status_code == 200, response.text


def test_an_empty_body_is_a_422_saying_it_is_required(client: TestClient) -> None:
    assert refusal(client, b"", JSON) == [
        {"loc": ["body"], "msg": "Field required", "type": "missing"}
    ]


def test_two_symbols_that_are_one_once_trimmed_are_a_422_naming_it(client: TestClient) -> None:
    body = (
        '{"holdings": {"VTI": {"asset_class": "stocks", "value": 1},'
        ' " VTI ": {"asset_class": "bonds", "value": 2}}}'
    )
    assert refusal(client, body, JSON) == [
        {
            "loc": ["body", "holdings", " VTI "],
            "msg": "symbol 'VTI' is given twice (also as 'VTI')",
            "type": "value_error",
        }
    ]


# The modules whose routes are added to the app's own router rather than included.
INSTALLS = {allocation: allocation.install_allocation, health: health.install_health}


def routes_of(module: ModuleType) -> list[BaseRoute]:
    """A routes module's routes: its router's, or those it adds to an app."""
    install = INSTALLS.get(module)
    if install is None:
        return module.router.routes
    app = FastAPI()
    install(app)
    return [route for route in app.routes if isinstance(route, APIRoute)]


@pytest.mark.parametrize("module", [alerts, allocation, health, history])
def test_every_route_reads_and_writes_json_the_same_way(module: ModuleType) -> None:
    routes = routes_of(module)
    assert routes
    assert [route.path for route in routes if not isinstance(route, JsonRoute)] == []


def test_the_allocation_routes_compute_on_the_event_loop_and_the_store_routes_in_a_thread() -> None:
    # A plain function is handed to a worker thread: right for a database read, and only
    # overhead for a computation (see ComputeRoute).
    def on_loop(module: ModuleType) -> set[bool]:
        return {inspect.iscoroutinefunction(route.endpoint) for route in routes_of(module)}

    assert on_loop(allocation) == {True}
    assert on_loop(history) == {False}
