"""The alert tools in the dashboard: silences, acknowledgements and held-back notices listed
read-only as the API lists them, and a replay's comparison on a portfolio's page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.api.app import create_app
from monitor.domain.silences import Matcher
from monitor.runtime.scheduler import Daemon
from monitor.store.engine import session_factory
from monitor.store.outbox import list_notifications
from monitor.store.silences import NewSilence, acknowledge, add_silence, expire_silence
from monitor.store.transactions import write_transaction
from tests.fixtures.operations import DRIFTED_CSV, IN_BAND_CSV, WriteConfig, tick_timeline

DaemonFor = Callable[..., Daemon]


def silence(portfolio: str, comment: str, *, all: bool = False) -> NewSilence:
    now = datetime.now(UTC)
    return NewSilence(Matcher(portfolio), now, now + timedelta(days=7), comment, "ops", all)


@pytest.fixture
def client(write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine) -> TestClient:
    """family alerted and acknowledged; held silenced (every notice) before its first
    alert; a silence of calm ended early."""
    settings = write_config(
        {"family": DRIFTED_CSV, "held": DRIFTED_CSV, "calm": IN_BAND_CSV},
        notify_url="json://127.0.0.1:9/",
    )
    sessions = session_factory(engine)
    daemon = daemon_for(settings)
    daemon.tick(settings.portfolios[2])  # calm: stored, so that a silence can name it
    with write_transaction(sessions) as session:
        now = datetime.now(UTC)
        configured = settings.portfolio_ids
        add_silence(session=session, new=silence("h*", "selling the house", all=True), now=now)
        ended = add_silence(
            session=session, new=silence("calm", "moving"), now=now, configured=configured
        )
        expire_silence(session=session, silence_id=ended.silence.id, now=now, by="ops")
    daemon.tick(settings.portfolios[0])
    daemon.tick(settings.portfolios[1])
    with write_transaction(sessions) as session:
        [alert] = list_notifications(session=session, portfolio_id="family")
        acknowledge(session=session, alert_id=alert.id, now=datetime.now(UTC), by="ops")
    return TestClient(create_app(settings, engine=engine))


def rows(page: str, attribute: str) -> list[int]:
    return [int(found) for found in re.findall(rf'data-{attribute}="(\d+)"', page)]


def test_the_alerts_page_lists_the_silences_the_api_lists_and_the_recently_ended(
    client: TestClient,
) -> None:
    page = client.get("/alerts").text
    every = client.get("/api/v1/silences", params={"ended": True}).json()["silences"]
    assert rows(page, "silence") == [s["id"] for s in every]
    assert [s["status"] for s in every] == ["expired", "active"]
    assert "selling the house" in page
    assert "ended by ops" in page


def test_the_alerts_page_lists_the_acknowledgements_and_held_back_notices_the_api_lists(
    client: TestClient,
) -> None:
    page = client.get("/alerts").text
    acks = client.get("/api/v1/acknowledgements").json()["acknowledgements"]
    held = client.get("/api/v1/suppressed-notices").json()["suppressed"]
    assert rows(page, "acknowledgement") == [a["id"] for a in acks] != []
    assert rows(page, "suppressed") == [n["id"] for n in held] != []
    assert "silence 1" in page


def test_the_alerts_pages_portfolio_filter_narrows_the_tools_too(client: TestClient) -> None:
    page = client.get("/alerts", params={"portfolio": "calm"}).text
    assert (rows(page, "acknowledgement"), rows(page, "suppressed")) == ([], [])
    assert rows(page, "silence") == [2]


def test_a_portfolio_page_marks_its_held_back_notices_in_the_alert_timeline(
    client: TestClient,
) -> None:
    page = client.get("/portfolios/held").text
    [notice] = client.get("/api/v1/suppressed-notices", params={"portfolio": "held"}).json()[
        "suppressed"
    ]
    assert f'class="card held" data-suppressed="{notice["id"]}"' in page
    assert "held back</span>" in page
    assert rows(page, "silence") == [1]  # h* matches held


def test_a_portfolio_page_lists_its_acknowledgements_and_no_others(client: TestClient) -> None:
    family = client.get("/portfolios/family").text
    acks = client.get("/api/v1/acknowledgements", params={"portfolio": "family"}).json()
    assert rows(family, "acknowledgement") == [a["id"] for a in acks["acknowledgements"]] != []
    assert rows(client.get("/portfolios/calm").text, "acknowledgement") == []


def test_the_acknowledgements_of_an_unknown_portfolio_are_a_404(client: TestClient) -> None:
    response = client.get("/api/v1/acknowledgements", params={"portfolio": "nobody"})
    assert response.status_code == 404


@pytest.fixture
def replayed(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Path
) -> TestClient:
    settings = write_config({"family": DRIFTED_CSV})
    tick_timeline(settings, daemon_for, tmp_path)
    return TestClient(create_app(settings, engine=engine))


def cells(page: str, policy: str, field: str) -> str:
    row = page[page.index(f'data-policy="{policy}"') :]
    found = re.search(rf'data-field="{field}">([^<]*)<', row)
    assert found is not None
    return found.group(1)


def test_the_replay_form_shows_the_apis_comparison(replayed: TestClient) -> None:
    page = replayed.get(
        "/portfolios/family", params={"replay": "true", "compare": ["5pp", "band-edge"]}
    ).text
    api = replayed.post(
        "/api/v1/portfolios/family/replay", json={"compare": ["5pp", "band-edge"]}
    ).json()
    for result in api["replays"]:
        name = result["policy"]["name"]
        assert cells(page, name, "alerts") == str(result["alerts"])
        assert cells(page, name, "rebalances") == str(result["rebalances"])
        assert cells(page, name, "turnover") == f"{result['turnover']:,.2f}"
        assert cells(page, name, "days_out_of_band") == f"{result['days_out_of_band']:.2f}"
        drift = result["largest_drift_let_stand"]
        assert cells(page, name, "largest_drift_let_stand") == f"{drift:.2f}"
    assert [r["policy"]["name"] for r in api["replays"]] == ["configured", "5pp", "band-edge"]


def test_the_replay_runs_only_when_asked(replayed: TestClient) -> None:
    page = replayed.get("/portfolios/family").text
    assert 'id="replay-form"' in page
    assert 'id="replay"' not in page


def test_a_bad_replay_start_is_named_on_the_page(replayed: TestClient) -> None:
    page = replayed.get(
        "/portfolios/family", params={"replay": "true", "replay_since": "yesterday-ish"}
    )
    assert page.status_code == 200
    assert "replay_since" in page.text
    assert 'id="replay"' not in page.text


def test_an_unknown_preset_is_a_422(replayed: TestClient) -> None:
    response = replayed.get("/portfolios/family", params={"replay": "true", "compare": "10pp"})
    assert response.status_code == 422


def test_a_preset_asked_twice_is_replayed_once(replayed: TestClient) -> None:
    page = replayed.get(
        "/portfolios/family", params={"replay": "true", "compare": ["5pp", "5pp", "5pp"]}
    ).text
    assert page.count('data-policy="5pp"') == 1
