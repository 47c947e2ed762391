"""A portfolio now: classes with their bands, the current plan (JSON and CSV), bad ticks."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.api.app import create_app
from monitor.domain.allocation import DriftPolicy, compute_allocation, make_holding
from monitor.domain.targets import parse_targets
from monitor.settings import Settings
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots
from tests.builders import TREE
from tests.fixtures.snapshots import MARCH, StoredHistory

FAMILY = "/api/v1/portfolios/family"


@pytest.fixture
def client(engine: Engine, stored_history: StoredHistory) -> Iterator[TestClient]:
    settings = Settings(threshold=5, targets={"stocks": 60, "bonds": 40})
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def test_current_gives_each_class_its_band_around_the_target(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/current").json()
    stocks = body["classes"][0]
    assert stocks["asset_class"] == "stocks"
    assert (stocks["target_percent"], stocks["lower"], stocks["upper"]) == (60.0, 55.0, 65.0)
    assert (stocks["current_percent"], stocks["drift"], stocks["depth"]) == (65.5, 5.5, 0)


def test_the_plan_sells_what_is_over_and_buys_what_is_under(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/plan").json()
    sides = {a["asset_class"]: a["action"] for a in body["actions"]}
    assert sides["stocks"] == "SELL"
    assert sides["bonds"] == "BUY"


def test_the_plan_as_csv_has_one_line_per_trade(client: TestClient) -> None:
    response = client.get(f"{FAMILY}/plan.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "asset_class,symbol,side,shares,price,amount"
    plan = client.get(f"{FAMILY}/plan").json()
    assert len(lines) - 1 == sum(len(a["trades"]) for a in plan["actions"])


def test_a_portfolio_without_holdings_has_no_plan(client: TestClient) -> None:
    response = client.get("/api/v1/portfolios/clients/acct-17/plan")
    assert response.status_code == 404
    assert "keeps no holdings" in response.json()["detail"]


def test_ticks_of_a_portfolio_without_failures_are_none(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/ticks").json()
    assert body == {"portfolio_id": "family", "entry_id": "family", "ticks": []}


def test_an_account_answers_for_its_entrys_ticks(client: TestClient) -> None:
    assert client.get("/api/v1/portfolios/clients/acct-17/ticks").json()["entry_id"] == "clients"


def test_sub_classes_of_a_target_tree_are_one_level_deeper(
    engine: Engine, session: Session
) -> None:
    targets = parse_targets(TREE)
    holdings = [
        make_holding("VTI", "stocks/us", value="5000", where="VTI"),
        make_holding("VXUS", "stocks/intl", value="1000", where="VXUS"),
        make_holding("BND", "bonds", value="4000", where="BND"),
    ]
    ensure_portfolios(session=session, portfolios=[NewPortfolio("tree", "Tree")], now=MARCH)
    report = compute_allocation(holdings, targets, DriftPolicy(threshold=Decimal(5)))
    save_snapshots(session=session, snapshots=[NewSnapshot("tree", None, MARCH, report)])
    session.commit()
    with TestClient(create_app(Settings(targets=TREE), engine=engine)) as client:
        body = client.get("/api/v1/portfolios/tree/current").json()
    assert [(c["asset_class"], c["depth"]) for c in body["classes"]] == [
        ("stocks", 0),
        ("stocks/us", 1),
        ("stocks/intl", 1),
        ("bonds", 0),
    ]
