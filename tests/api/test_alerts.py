"""The alerts routes over a real outbox: listing, one alert whole, retrying a dead one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.api.app import create_app
from tests.fixtures.sinks import WebhookSink
from tests.notify.world import StockedOutbox, stocked_outbox

ALERTS = "/api/v1/alerts"


@pytest.fixture
def outbox(engine: Engine, tmp_path: Path, webhook_sink: WebhookSink) -> StockedOutbox:
    return stocked_outbox(engine, tmp_path, webhook_sink)


@pytest.fixture
def client(engine: Engine, outbox: StockedOutbox) -> Iterator[TestClient]:
    with TestClient(create_app(outbox.world.settings, engine=engine)) as client:
        yield client


def test_alerts_are_listed_newest_first(client: TestClient, outbox: StockedOutbox) -> None:
    response = client.get(ALERTS)
    assert response.status_code == 200, response.text
    listed = [(a["id"], a["kind"], a["status"]) for a in response.json()["alerts"]]
    assert listed == [
        (outbox.family_dead, "escalated", "dead"),
        (outbox.digest_sent, "digest", "sent"),
        (outbox.family_sent, "drifted", "sent"),
    ]


def test_a_listed_alert_says_when_what_and_how_delivery_went(
    client: TestClient, outbox: StockedOutbox
) -> None:
    [dead] = client.get(ALERTS, params={"status": "dead"}).json()["alerts"]
    assert dead["portfolio_id"] == dead["route"] == "family"
    assert dead["title"] == (
        "Rebalance family now: 2 classes out of band (worst drift up to 20.00%)"
    )
    assert dead["attempts"] == 1
    assert "500" in dead["last_error"]
    assert dead["next_attempt_at"] is None and dead["sent_at"] is None
    assert dead["created_at"] == "2026-11-24T19:05:00Z"


def test_alerts_of_an_entry_include_its_digests(client: TestClient, outbox: StockedOutbox) -> None:
    [digest] = client.get(ALERTS, params={"portfolio": "clients"}).json()["alerts"]
    assert digest["id"] == outbox.digest_sent
    assert digest["account_count"] == 120
    assert digest["title"] == "Rebalance clients: 120 of 200 accounts out of band (120 new)"


def test_the_limit_keeps_the_newest(client: TestClient, outbox: StockedOutbox) -> None:
    alerts = client.get(ALERTS, params={"limit": 1}).json()["alerts"]
    assert [a["id"] for a in alerts] == [outbox.family_dead]


def test_an_unknown_portfolio_is_a_404_listing_the_known_ones(client: TestClient) -> None:
    response = client.get(ALERTS, params={"portfolio": "nope"})
    assert response.status_code == 404
    assert "unknown portfolio 'nope'" in response.json()["detail"]
    assert {"family", "clients"} <= set(response.json()["known"])


def test_an_unknown_status_is_a_422_naming_the_parameter(client: TestClient) -> None:
    response = client.get(ALERTS, params={"status": "lost"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "status"]


def test_a_digest_is_shown_with_every_account_worst_first(
    client: TestClient, outbox: StockedOutbox
) -> None:
    body = client.get(f"{ALERTS}/{outbox.digest_sent}").json()
    accounts = body["accounts"]
    assert len(accounts) == 120  # every one, not the 50 the message lists
    assert accounts[0] == {
        "portfolio_id": "clients/acct-009",
        "status": "new",
        "worst_drift": 19.0,
        "breaching": ["stocks", "bonds"],
        "alerts": [
            "STOCKS: over-allocated by 19.00% (current: 79.00%, target: 60.00%)",
            "BONDS: under-allocated by 19.00% (current: 21.00%, target: 40.00%)",
        ],
    }
    assert [a["worst_drift"] for a in accounts] == sorted(
        (a["worst_drift"] for a in accounts), reverse=True
    )
    assert body["payload"]["counts"]["total"] == 200
    assert "accounts" not in body["payload"]
    [attempt] = body["attempt_log"]
    assert attempt["outcome"] == "sent"
    assert body["delivered_targets"] == 1


def test_a_dead_alert_is_shown_with_its_failed_attempt(
    client: TestClient, outbox: StockedOutbox
) -> None:
    body = client.get(f"{ALERTS}/{outbox.family_dead}").json()
    [attempt] = body["attempt_log"]
    assert attempt["outcome"] == "failed"
    assert attempt["target"].startswith("json://127.0.0.1:")
    assert "500" in attempt["error"]
    assert body["accounts"] == []
    assert body["payload"]["alerts"][0].startswith("STOCKS: over-allocated by 20.00%")


def test_an_unknown_alert_is_a_404(client: TestClient) -> None:
    response = client.get(f"{ALERTS}/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "no notification with id 999"}


def test_retrying_a_dead_alert_makes_it_pending_and_the_drain_sends_it(
    client: TestClient, outbox: StockedOutbox, webhook_sink: WebhookSink
) -> None:
    response = client.post(f"{ALERTS}/{outbox.family_dead}/retry")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)
    before = len(webhook_sink.requests)
    # The API requeues it for the real now; the world's drain runs on the test's clock.
    outbox.world.clock.now = max(outbox.world.clock.now, datetime.now(UTC))
    assert outbox.world.drain().sent == 1
    assert len(webhook_sink.requests) == before + 1
    assert client.get(f"{ALERTS}/{outbox.family_dead}").json()["status"] == "sent"


def test_retrying_an_alert_that_is_not_dead_is_a_409(
    client: TestClient, outbox: StockedOutbox
) -> None:
    response = client.post(f"{ALERTS}/{outbox.family_sent}/retry")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"notification {outbox.family_sent} is sent; only dead ones can be retried"
    }


def test_retrying_an_unknown_alert_is_a_404(client: TestClient) -> None:
    assert client.post(f"{ALERTS}/999/retry").status_code == 404


def test_no_secret_of_a_target_url_shows_in_the_alerts_api(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    secret_url = (
        f"json://robot:Pw-9f8e7d6c@127.0.0.1:{webhook_sink.port}/hooks/T0K3N-abcdef"
        "?+X-Api-Key=k-0123456789"
    )
    outbox = stocked_outbox(engine, tmp_path, webhook_sink, url=secret_url)
    with TestClient(create_app(outbox.world.settings, engine=engine)) as client:
        answers = [client.get(ALERTS).text] + [
            client.get(f"{ALERTS}/{n}").text
            for n in (outbox.family_sent, outbox.digest_sent, outbox.family_dead)
        ]
    for text in answers:
        for secret in ("Pw-9f8e7d6c", "T0K3N-abcdef", "k-0123456789"):
            assert secret not in text
    assert "json://" in answers[-1]  # the target is named, redacted


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("POST", "/retry")])
def test_an_alert_id_past_64_bits_is_a_422_naming_it(
    client: TestClient, method: str, suffix: str
) -> None:
    response = client.request(method, f"{ALERTS}/99999999999999999999{suffix}")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["path", "alert_id"]
    assert error["msg"] == "Input should be less than or equal to 9223372036854775807"
