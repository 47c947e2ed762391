"""The API's guard: bearer token on every route but /healthz, size limits, CORS when asked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from monitor.api.app import create_app
from monitor.api.security import ApiGuard
from monitor.errors import ConfigError
from monitor.settings import ApiSettings, Settings, load_settings

TOKEN = "correct-horse-battery-staple"
TARGETS = "/api/v1/allocation/targets?portfolio_value=1000"
CALCULATE = "/api/v1/allocation/calculate"
HOLDINGS = {"VTI": {"asset_class": "stocks", "value": 100}}


def client_with(**api: Any) -> TestClient:
    return TestClient(create_app(Settings(api=api)))


@pytest.fixture
def guarded() -> TestClient:
    return client_with(token=TOKEN)


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_token_configured_the_api_is_open() -> None:
    assert client_with().get(TARGETS).status_code == 200


def test_a_request_without_the_token_gets_a_401_with_a_bearer_challenge(
    guarded: TestClient,
) -> None:
    response = guarded.get(TARGETS)
    assert response.status_code == 401
    assert response.json() == {"detail": "a bearer token is required"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_wrong_token_gets_a_401_saying_it_is_invalid(guarded: TestClient) -> None:
    response = guarded.get(TARGETS, headers=bearer("correct-horse-battery-stapl"))
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid token"}
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_another_authorization_scheme_is_not_a_bearer_token(guarded: TestClient) -> None:
    response = guarded.get(TARGETS, headers={"Authorization": f"Basic {TOKEN}"})
    assert response.status_code == 401


def test_the_right_token_is_let_through(guarded: TestClient) -> None:
    assert guarded.get(TARGETS, headers=bearer()).status_code == 200


@pytest.mark.parametrize("path", ["/readyz", "/metrics", "/docs", "/openapi.json", CALCULATE])
def test_every_route_but_healthz_needs_the_token(guarded: TestClient, path: str) -> None:
    assert guarded.get(path).status_code == 401


def test_healthz_needs_no_token(guarded: TestClient) -> None:
    assert guarded.get("/healthz").status_code == 200


def test_the_token_can_come_from_a_file_named_by_an_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "api-token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    monkeypatch.setenv("MONITOR_API__TOKEN_FILE", str(secret))
    client = TestClient(create_app(load_settings()))
    assert client.get(TARGETS).status_code == 401
    assert client.get(TARGETS, headers=bearer()).status_code == 200


def test_a_blank_token_is_refused_at_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITOR_API__TOKEN", "  ")
    with pytest.raises(ConfigError, match=r"api\.token: the token is empty"):
        load_settings()


def test_a_body_announced_larger_than_the_limit_gets_a_413() -> None:
    client = client_with(max_body_bytes=100)
    response = client.post(CALCULATE, content=b"x" * 101, headers={"Content-Type": "text/plain"})
    assert response.status_code == 413
    assert response.json() == {"detail": "the request body is larger than 100 bytes"}


def test_a_streamed_body_without_a_length_is_cut_at_the_limit() -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"holdings": '
        yield b" " * 200

    response = client_with(max_body_bytes=100).post(CALCULATE, content=chunks())
    assert response.status_code == 413


def test_a_body_announced_within_the_limit_reaches_the_app_as_the_server_sends_it() -> None:
    messages = [
        {"type": "http.request", "body": b"12", "more_body": True},
        {"type": "http.request", "body": b"345", "more_body": False},
    ]
    sent = iter(messages)
    received: list[Message] = []

    async def receive() -> Message:
        return next(sent)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.extend([await receive(), await receive()])

    async def send(message: Message) -> None:
        raise AssertionError(f"the guard answered: {message}")

    scope = {"type": "http", "path": CALCULATE, "headers": [(b"content-length", b"5")]}
    guard = ApiGuard(app, settings=ApiSettings(max_body_bytes=5))
    asyncio.run(guard(scope, receive, send))
    assert received == messages


def test_a_small_length_given_with_a_chunked_encoding_does_not_let_a_long_body_through() -> None:
    # The server reads the chunks, not the Content-Length: the guard must count them.
    chunks = iter([{"type": "http.request", "body": b"x" * 100, "more_body": True}] * 3)
    answered: list[Message] = []

    async def receive() -> Message:
        return next(chunks)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app was given the body")

    async def send(message: Message) -> None:
        answered.append(message)

    headers = [(b"content-length", b"5"), (b"transfer-encoding", b"chunked")]
    scope = {"type": "http", "path": CALCULATE, "headers": headers}
    asyncio.run(ApiGuard(app, settings=ApiSettings(max_body_bytes=100))(scope, receive, send))
    assert answered[0]["status"] == 413


def test_a_body_within_the_limit_is_computed() -> None:
    client = client_with(max_body_bytes=200)
    response = client.post(CALCULATE, json={"holdings": HOLDINGS})
    assert response.status_code == 200, response.text


def test_a_query_string_longer_than_the_limit_gets_a_414() -> None:
    client = client_with(max_query_bytes=50)
    response = client.get("/api/v1/allocation/targets?portfolio_value=" + "1" * 40)
    assert response.status_code == 414
    assert response.json() == {"detail": "the query string is longer than 50 bytes"}
    assert client.get("/api/v1/allocation/targets?portfolio_value=1000").status_code == 200


def test_cors_is_off_unless_origins_are_configured() -> None:
    client = client_with()
    response = client.get(TARGETS, headers={"Origin": "https://dash.example.com"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        CALCULATE,
        headers={
            "Origin": "https://dash.example.com",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_a_configured_origin_gets_cors_headers_even_on_a_refusal() -> None:
    client = client_with(token=TOKEN, cors_origins=["https://dash.example.com"])
    preflight = client.options(
        CALCULATE,
        headers={
            "Origin": "https://dash.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://dash.example.com"
    refused = client.get(TARGETS, headers={"Origin": "https://dash.example.com"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "https://dash.example.com"
    other = client.get(TARGETS, headers={"Origin": "https://evil.example.com", **bearer()})
    assert "access-control-allow-origin" not in other.headers


def test_listening_beyond_this_machine_without_a_token_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="monitor.api.security"):
        client_with(host="0.0.0.0")
        client_with(host="127.0.0.1")
        client_with(host="0.0.0.0", token=TOKEN)
    assert [r.getMessage()[:40] for r in caplog.records] == [
        "the API listens on 0.0.0.0 without a tok"
    ]
