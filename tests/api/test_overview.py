"""The overview route: one row per portfolio or account, sorted, searched, filtered, paged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.api.app import create_app
from monitor.settings import Settings
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots
from tests.fixtures.snapshots import MARCH, StoredHistory, report_of

OVERVIEW = "/api/v1/overview"


@pytest.fixture
def client(engine: Engine, stored_history: StoredHistory, session: Session) -> Iterator[TestClient]:
    """The stored history, and ``steady``: in band (stocks 60 / bonds 40 exactly)."""
    ensure_portfolios(session=session, portfolios=[NewPortfolio("steady", "Steady")], now=MARCH)
    positions = [("VTI", "stocks", "6", "100"), ("BND", "bonds", "4", "100")]
    save_snapshots(
        session=session, snapshots=[NewSnapshot("steady", None, MARCH, report_of(positions))]
    )
    session.commit()
    with TestClient(create_app(Settings(), engine=engine)) as client:
        yield client


def test_rows_are_portfolios_and_accounts_not_the_entries_of_accounts(client: TestClient) -> None:
    body = client.get(OVERVIEW, params={"sort": "portfolio", "order": "asc"}).json()
    assert [r["portfolio_id"] for r in body["rows"]] == ["clients/acct-17", "family", "steady"]
    assert (body["total"], body["matched"], body["pages"]) == (3, 3, 1)


def test_a_row_has_the_latest_snapshots_figures(client: TestClient) -> None:
    body = client.get(OVERVIEW, params={"q": "family"}).json()
    [row] = body["rows"]
    assert row["value"] == 45800.0
    assert row["worst_drift"] == 9.43
    assert row["classes_out_of_band"] == 2
    assert row["state"] == "drifted"
    assert row["taken_at"] == "2024-03-01T12:00:00Z"
    assert row["entry_id"] == "family"


def test_an_account_row_names_its_entry_and_the_entry_counts_its_states(
    client: TestClient,
) -> None:
    body = client.get(OVERVIEW).json()
    account = next(r for r in body["rows"] if r["portfolio_id"] == "clients/acct-17")
    assert account["entry_id"] == "clients"
    assert {"entry_id": "clients", "accounts": 1, "states": {"drifted": 1}} in body["entries"]


def test_sorting_by_value_ascending_puts_the_smaller_portfolio_first(client: TestClient) -> None:
    body = client.get(OVERVIEW, params={"sort": "value", "order": "asc"}).json()
    assert [r["value"] for r in body["rows"]] == [1000.0, 6000.0, 45800.0]


def test_an_in_band_row_says_so(client: TestClient) -> None:
    [row] = client.get(OVERVIEW, params={"q": "stead"}).json()["rows"]
    assert (row["state"], row["classes_out_of_band"]) == ("in_band", 0)


def test_out_of_band_only_keeps_the_drifted_rows(client: TestClient) -> None:
    body = client.get(OVERVIEW, params={"out_of_band": "true"}).json()
    assert sorted(r["portfolio_id"] for r in body["rows"]) == ["clients/acct-17", "family"]
    assert (body["total"], body["matched"]) == (3, 2)


def test_pages_hold_per_page_rows(client: TestClient) -> None:
    params = {"sort": "portfolio", "order": "asc", "per_page": "2", "page": "2"}
    body = client.get(OVERVIEW, params=params).json()
    assert [r["portfolio_id"] for r in body["rows"]] == ["steady"]
    assert (body["page"], body["pages"]) == (2, 2)


def test_an_unknown_sort_key_is_a_422(client: TestClient) -> None:
    assert client.get(OVERVIEW, params={"sort": "colour"}).status_code == 422


def test_sorting_by_classes_out_of_band_counts_every_row(client: TestClient) -> None:
    params = {"sort": "out_of_band", "order": "asc", "per_page": "1"}
    body = client.get(OVERVIEW, params=params).json()
    assert [(r["portfolio_id"], r["classes_out_of_band"]) for r in body["rows"]] == [("steady", 0)]
    params["page"] = "3"
    [last] = client.get(OVERVIEW, params=params).json()["rows"]
    assert last["classes_out_of_band"] == 2
