"""The dashboard and its JSON routes for a portfolio in several currencies, ticked through
the real pipeline: 6,000 USD of stocks and 4,000 EUR of bonds at EURUSD 1.0842, a base of
USD, so 4,336.80 USD of bonds and 10,336.80 USD in all (USD 58.05%, EUR 41.95%)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.api.app import create_app
from monitor.settings import Settings
from tests.fixtures.snapshots import StoredHistory
from tests.runtime.test_pipeline import GOOD_CSV
from tests.runtime.test_pipeline_currencies import MIXED_CSV, RATES, CurrencyWorld

# USD 58.05% against 70: -11.95 pp, past the 5 pp threshold; EUR 41.95 against 30: +11.95.
TARGETED = "currency_targets = { USD = 70, EUR = 30 }\n"


@pytest.fixture
def world(tmp_path: Path, sessions: sessionmaker[Session]) -> CurrencyWorld:
    world = CurrencyWorld(tmp_path, sessions)
    world.file("rates.csv", RATES)
    world.top = 'base_currency = "USD"\nfx = { source = { kind = "csv", path = "rates.csv" } }\n'
    world.csv_portfolio("family", MIXED_CSV, TARGETED)
    world.csv_portfolio("plain", GOOD_CSV, 'base_currency = "EUR"\n')
    assert world.tick("family").status == "ok"
    assert world.tick("plain").status == "ok"
    return world


@pytest.fixture
def client(engine: Engine, world: CurrencyWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, engine=engine)) as client:
        yield client


def test_current_names_the_base_currency_and_the_exposure_against_its_bands(
    client: TestClient,
) -> None:
    found = client.get("/api/v1/portfolios/family/current").json()
    assert found["base_currency"] == "USD"
    assert found["currency_exposure"] == [
        {
            "currency": "USD",
            "percent": 58.05,
            "value": 6000.0,
            "native_value": 6000.0,
            "target_percent": 70.0,
            "lower": 65.0,
            "upper": 75.0,
            "drift": -11.95,
            "breach": "absolute",
        },
        {
            "currency": "EUR",
            "percent": 41.95,
            "value": 4336.8,
            "native_value": 4000.0,
            "target_percent": 30.0,
            "lower": 25.0,
            "upper": 35.0,
            "drift": 11.95,
            "breach": "absolute",
        },
    ]
    assert found["fx_rates"] == [{"pair": "EURUSD", "rate": 1.0842, "as_of": "2026-01-05"}]


def test_the_portfolio_page_shows_the_exposure_as_the_api_does(client: TestClient) -> None:
    page = client.get("/portfolios/family").text
    assert 'id="currency-exposure"' in page
    assert 'data-currency="EUR" class="breach"' in page
    assert "25.00 to 35.00" in page
    assert 'data-field="value">4,336.80<' in page
    assert 'data-field="native_value">4,000.00<' in page


def test_the_portfolio_page_names_the_base_currency_of_its_money(client: TestClient) -> None:
    page = client.get("/portfolios/family").text
    assert '<strong id="portfolio-value">10,336.80 USD</strong>' in page
    assert "Value (USD)" in page and "Price (USD)" in page


def test_the_portfolio_page_shows_each_holding_s_native_value_and_currency(
    client: TestClient,
) -> None:
    page = client.get("/portfolios/family").text
    cells = '<td data-label="Native value" class="num">{}</td><td data-label="Currency">{}</td>'
    assert cells.format("4,000.00", "EUR") in page
    assert cells.format("6,000.00", "USD") in page


def test_the_portfolio_page_lists_the_rates_the_snapshot_used(client: TestClient) -> None:
    page = client.get("/portfolios/family").text
    assert 'data-pair="EURUSD"' in page
    assert "1.0842" in page and "2026-01-05" in page


def test_a_portfolio_all_in_its_base_shows_no_holding_currencies_nor_rates(
    client: TestClient,
) -> None:
    page = client.get("/portfolios/plain").text
    assert '<strong id="portfolio-value">10,000.00 EUR</strong>' in page
    assert 'data-currency="EUR"' in page  # 100% of it
    assert '<td data-label="Currency">' not in page
    assert 'id="fx-rates"' not in page


def test_the_overview_names_each_row_s_currency(client: TestClient) -> None:
    rows = client.get("/api/v1/overview", params={"sort": "portfolio", "order": "asc"}).json()
    assert [(r["portfolio_id"], r["value"], r["currency"]) for r in rows["rows"]] == [
        ("family", 10336.8, "USD"),
        ("plain", 10000.0, "EUR"),
    ]
    page = client.get("/").text
    assert '10,336.80 <span class="currency">USD</span>' in page
    assert '10,000.00 <span class="currency">EUR</span>' in page


def test_a_snapshot_from_before_currencies_reads_in_the_configured_base(
    engine: Engine, stored_history: StoredHistory
) -> None:
    settings = Settings(targets={"stocks": 60, "bonds": 40}, base_currency="EUR")
    with TestClient(create_app(settings, engine=engine)) as client:
        current = client.get("/api/v1/portfolios/family/current").json()
        page = client.get("/portfolios/family").text
        [row] = client.get("/api/v1/overview", params={"q": "family"}).json()["rows"]
    assert (current["base_currency"], current["currency_exposure"]) == ("EUR", [])
    assert 'id="currency-exposure"' not in page
    assert "Value (EUR)" in page
    assert row["currency"] == "EUR"
