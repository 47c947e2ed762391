"""Errors any route may raise, answered as JSON with the status that fits; never a traceback."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from monitor.api.app import create_app
from monitor.errors import ConflictError, NotFoundError, UnknownPortfolioError
from monitor.settings import Settings
from tests.fixtures.outages import Outage


def app_raising(error: Exception) -> FastAPI:
    """The real app, plus a route that raises ``error``."""
    app = create_app(Settings())

    def raising() -> None:
        raise error

    app.add_api_route("/raising", raising, methods=["GET", "POST"])
    return app


def answer(error: Exception, method: str = "GET") -> tuple[int, object]:
    client = TestClient(app_raising(error), raise_server_exceptions=False)
    response = client.request(method, "/raising")
    return response.status_code, response.json()


def test_a_conflict_raised_by_any_route_is_a_409() -> None:
    status, body = answer(ConflictError("notification 7 is sent; only dead ones can be retried"))
    assert (status, body) == (
        409,
        {"detail": "notification 7 is sent; only dead ones can be retried"},
    )


def test_a_missing_record_raised_by_any_route_is_a_404() -> None:
    assert answer(NotFoundError("no notification with id 7"), "POST") == (
        404,
        {"detail": "no notification with id 7"},
    )


def test_an_unknown_portfolio_is_a_404_listing_the_known_ones() -> None:
    assert answer(UnknownPortfolioError("famly", ["family"])) == (
        404,
        {"detail": "unknown portfolio 'famly'; known portfolios: family", "known": ["family"]},
    )


def test_an_unexpected_error_is_a_json_500_without_a_traceback_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        status, body = answer(RuntimeError("a bug"))
    assert (status, body) == (500, {"detail": "internal error"})
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "internal error answering GET /raising")
    ]
    assert "RuntimeError: a bug" in caplog.text  # the traceback, in the log only


def test_an_unexpected_error_is_not_raised_on_to_the_server_to_log_again() -> None:
    client = TestClient(app_raising(RuntimeError("a bug")))  # raises what reaches the server
    assert client.get("/raising").status_code == 500


def test_requests_the_database_fails_say_so_once_and_once_more_when_it_is_back(
    outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(create_app(Settings(), engine=outage.engine))
    caplog.set_level(logging.INFO, logger="monitor")
    outage.down()
    for _ in range(20):
        response = client.get("/api/v1/portfolios/family/snapshots/latest")
        assert response.status_code == 503
    outage.up()
    assert client.get("/api/v1/portfolios/family/snapshots/latest").status_code == 404
    detail = response.json()["detail"]
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines[0] == ("WARNING", f"API requests failing: {detail}")
    assert lines[1][0] == "INFO"
    assert re.fullmatch(r"API requests works again, after \d+s and 20 failure\(s\)", lines[1][1])
    assert len(lines) == 2
