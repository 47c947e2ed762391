"""Silences and acknowledgements over HTTP: made with the API token, recorded as its label,
bad input answered with the field it concerns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.api.app import create_app
from monitor.runtime.scheduler import Daemon
from tests.fixtures.operations import DRIFTED_CSV, IN_BAND_CSV, WriteConfig

DaemonFor = Callable[..., Daemon]
TOKEN = {"Authorization": "Bearer s3cret"}
API = 'token = "s3cret"\ntoken_label = "ops-bot"'


@pytest.fixture
def client(write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine) -> TestClient:
    settings = write_config(
        {"family": DRIFTED_CSV, "calm": IN_BAND_CSV}, notify_url="json://127.0.0.1:9/", api=API
    )
    daemon = daemon_for(settings)
    for entry in settings.portfolios:
        daemon.tick(entry)
    return TestClient(create_app(settings, engine=engine))


def silence(client: TestClient, **body: object) -> dict[str, object]:
    response = client.post(
        "/api/v1/silences",
        json={"portfolio": "family", "for": "7d", "comment": "waiting for the bonus"} | body,
        headers=TOKEN,
    )
    assert response.status_code == 200, response.text
    made: dict[str, object] = response.json()
    return made


def test_a_silence_is_made_as_the_token_label_and_listed(client: TestClient) -> None:
    made = silence(client, asset_class="stocks", all=True)
    assert (made["portfolio"], made["asset_class"], made["all"]) == ("family", "stocks", True)
    assert (made["created_by"], made["status"]) == ("ops-bot", "active")
    starts = datetime.fromisoformat(str(made["starts_at"]))
    ends = datetime.fromisoformat(str(made["ends_at"]))
    assert ends - starts == timedelta(days=7)
    assert abs(starts - datetime.now(UTC)) < timedelta(minutes=1)
    listed = client.get("/api/v1/silences", headers=TOKEN).json()["silences"]
    assert [s["id"] for s in listed] == [made["id"]]


def test_writing_needs_the_token(client: TestClient) -> None:
    response = client.post(
        "/api/v1/silences", json={"portfolio": "family", "for": "7d", "comment": "x"}
    )
    assert response.status_code == 401


def test_an_expired_silence_leaves_the_listing_but_not_the_full_one(client: TestClient) -> None:
    made = silence(client)
    expired = client.post(f"/api/v1/silences/{made['id']}/expire", headers=TOKEN)
    assert expired.status_code == 200, expired.text
    assert (expired.json()["status"], expired.json()["expired_by"]) == ("expired", "ops-bot")
    assert client.get("/api/v1/silences", headers=TOKEN).json()["silences"] == []
    every = client.get("/api/v1/silences", params={"ended": True}, headers=TOKEN).json()
    assert [s["id"] for s in every["silences"]] == [made["id"]]
    again = client.post(f"/api/v1/silences/{made['id']}/expire", headers=TOKEN)
    assert again.status_code == 409
    assert client.post("/api/v1/silences/99/expire", headers=TOKEN).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"for": "7"}, "for", "should match pattern"),
        ({"for": "0d"}, "for", "must last some time"),
        ({"for": "36501d"}, "for", "too long"),
        ({"comment": " "}, "comment", "should match pattern"),
        ({"portfolio": " "}, "portfolio", "should match pattern"),
        ({"asset_class": ""}, "asset_class", "should match pattern"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, object], field: str, words: str
) -> None:
    response = client.post(
        "/api/v1/silences",
        json={"portfolio": "family", "for": "7d", "comment": "because"} | body,
        headers=TOKEN,
    )
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])
    assert words in str(response.json()["detail"])


def test_a_missing_field_is_a_422_naming_it(client: TestClient) -> None:
    response = client.post("/api/v1/silences", json={"portfolio": "family"}, headers=TOKEN)
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {
        ("body", "for"),
        ("body", "comment"),
    }


def test_an_unknown_portfolio_is_a_404_but_a_glob_is_taken(client: TestClient) -> None:
    response = client.post(
        "/api/v1/silences",
        json={"portfolio": "famly", "for": "7d", "comment": "x"},
        headers=TOKEN,
    )
    assert response.status_code == 404
    assert "unknown portfolio 'famly'" in response.json()["detail"]
    assert silence(client, portfolio="clients/*")["portfolio"] == "clients/*"


def test_an_alert_is_acknowledged_as_the_token_label(client: TestClient) -> None:
    [alert] = client.get("/api/v1/alerts", headers=TOKEN).json()["alerts"]
    response = client.post(f"/api/v1/alerts/{alert['id']}/ack", headers=TOKEN)
    assert response.status_code == 200, response.text
    [ack] = response.json()["acknowledgements"]
    assert (ack["portfolio_id"], ack["alert_id"], ack["created_by"]) == (
        "family",
        alert["id"],
        "ops-bot",
    )
    assert ack["notified_classes"] == ["bonds", "stocks"]
    listed = client.get("/api/v1/acknowledgements", headers=TOKEN).json()["acknowledgements"]
    assert [a["id"] for a in listed] == [ack["id"]]
    assert client.post("/api/v1/alerts/999/ack", headers=TOKEN).status_code == 404


def test_held_back_notices_are_listed_and_an_unknown_portfolio_is_a_404(
    client: TestClient,
) -> None:
    listed = client.get("/api/v1/suppressed-notices", params={"portfolio": "family"}, headers=TOKEN)
    assert listed.status_code == 200
    assert listed.json() == {"suppressed": []}
    unknown = client.get("/api/v1/suppressed-notices", params={"portfolio": "x"}, headers=TOKEN)
    assert unknown.status_code == 404
