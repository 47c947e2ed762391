"""History in a base currency: a snapshot names it and its exposure and rates; one written
before currencies reads as in the configured base currency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.api.app import create_app
from monitor.domain.allocation import compute_allocation, make_holding
from monitor.domain.fx import Rate, RateTable
from monitor.settings import Settings
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots

FAMILY = "/api/v1/portfolios/family"
OLD = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
NEW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
EURUSD = Rate("EUR", "USD", Decimal("1.0842"), date(2026, 12, 2))
TARGETS = {"stocks": Decimal(60), "bonds": Decimal(40)}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with Session(engine) as session:
        ensure_portfolios(session=session, portfolios=[NewPortfolio("family", "F")], now=OLD)
        old = compute_allocation([make_holding("VTI", "stocks", value=6000, where="VTI")], TARGETS)
        new = compute_allocation(
            [
                make_holding("VTI", "stocks", value=6000, currency="USD", where="VTI"),
                make_holding("BUND", "bonds", value=4000, currency="EUR", where="BUND"),
            ],
            TARGETS,
            base_currency="USD",
            rates=RateTable([EURUSD]),
        )
        save_snapshots(
            session=session,
            snapshots=[
                NewSnapshot("family", None, OLD, old),
                NewSnapshot("family", None, NEW, new),
            ],
        )
        session.commit()
    settings = Settings(base_currency="USD")
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def test_the_latest_snapshot_names_its_currency_exposure_and_rates(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/snapshots/latest").json()
    assert body["base_currency"] == "USD"
    assert [(e["currency"], e["percent"]) for e in body["currency_exposure"]] == [
        ("USD", 58.05),
        ("EUR", 41.95),
    ]
    assert body["fx_rates"] == [{"pair": "EURUSD", "rate": 1.0842, "as_of": "2026-12-02"}]
    bund = next(h for h in body["holdings"] if h["symbol"] == "BUND")
    assert (bund["value"], bund["currency"], bund["native_value"]) == (4336.8, "EUR", 4000.0)


def test_a_snapshot_from_before_currencies_reads_as_the_configured_base(
    client: TestClient,
) -> None:
    first = client.get(f"{FAMILY}/snapshots").json()["items"][0]
    assert (first["base_currency"], first["currency_exposure"]) == ("USD", [])


def test_the_csv_history_adds_the_currency_and_the_share_per_currency(
    client: TestClient,
) -> None:
    lines = client.get(f"{FAMILY}/history.csv").text.splitlines()
    assert lines[0] == (
        "taken_at,portfolio_value,total_drift,needs_rebalancing,drift_stocks,drift_bonds,"
        "currency,share_USD,share_EUR"
    )
    assert lines[1].endswith(",USD,,")
    assert lines[2].endswith(",USD,58.05,41.95")
