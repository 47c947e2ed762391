"""POST /api/v1/portfolios/{id}/replay over a history real ticks made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.api.app import create_app
from monitor.runtime.scheduler import Daemon
from tests.fixtures.operations import DRIFTED_CSV, WriteConfig, tick_timeline

DaemonFor = Callable[..., Daemon]
REPLAY = "/api/v1/portfolios/family/replay"


@pytest.fixture
def client(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Path
) -> TestClient:
    settings = write_config({"family": DRIFTED_CSV})
    tick_timeline(settings, daemon_for, tmp_path)
    return TestClient(create_app(settings, engine=engine))


def test_the_configured_policy_and_presets_side_by_side(client: TestClient) -> None:
    response = client.post(
        REPLAY, json={"compare": ["5pp", {"name": "wide", "threshold": 25}, "band-edge"]}
    )
    assert response.status_code == 200, response.text
    replays = response.json()["replays"]
    assert [r["policy"]["name"] for r in replays] == ["configured", "5pp", "wide", "band-edge"]
    configured, five, wide, edge = replays
    assert (configured["alerts"], configured["rebalances"], configured["turnover"]) == (5, 4, 120)
    assert [a["kind"] for a in configured["alert_log"]] == [
        "drifted",
        "escalated",
        "reminder",
        "resolved",
        "drifted",
    ]
    assert five["alerts"] == 5
    assert (wide["alerts"], wide["largest_drift_let_stand"]) == (0, 20)
    # 5/25 on 50% targets is a 5 pp band; half way to its edge: 2.5 pp short of each move.
    assert edge["turnover"] == 120 - 4 * 5
    assert edge["policy"]["rebalance_to"] == "band_edge"


def test_changing_the_policy_and_the_window(client: TestClient) -> None:
    body = {"since": "2026-03-03", "policy": {"threshold": 15, "cooldown": "7d"}}
    response = client.post(REPLAY, json=body)
    assert response.status_code == 200, response.text
    [only] = response.json()["replays"]
    assert only["policy"]["name"] == "threshold=15, cooldown=7d"
    assert only["policy"]["cooldown"] == "P7D"
    assert [a["kind"] for a in only["alert_log"]] == ["drifted", "resolved"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"policy": {"drift_rule": "hybrid"}}, "it needs a relative_threshold"),
        ({"policy": {"cooldown": "40000d"}}, "is too long"),
        ({"since": "2026-03-05", "until": "2026-03-01"}, "must be later than since"),
    ],
)
def test_bad_input_is_a_422_naming_it(
    client: TestClient, body: dict[str, object], words: str
) -> None:
    response = client.post(REPLAY, json=body)
    assert response.status_code == 422, response.text
    assert words in str(response.json()["detail"])


def test_an_unknown_portfolio_is_a_404(client: TestClient) -> None:
    response = client.post("/api/v1/portfolios/nope/replay", json={})
    assert response.status_code == 404
    assert "unknown portfolio 'nope'" in response.json()["detail"]
