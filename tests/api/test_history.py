"""The history routes over a real database: listings, pages, drift, CSV, attribution, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.api.app import create_app
from monitor.settings import Settings
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots
from tests.fixtures.snapshots import JANUARY, MARCH, StoredHistory, report_of

FAMILY = "/api/v1/portfolios/family"


@pytest.fixture
def client(engine: Engine, stored_history: StoredHistory) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), engine=engine)) as client:
        yield client


def test_portfolios_lists_entries_and_accounts(client: TestClient) -> None:
    response = client.get("/api/v1/portfolios")
    assert response.status_code == 200, response.text
    listed = [(p["id"], p["parent_id"]) for p in response.json()["portfolios"]]
    assert listed == [("clients", None), ("clients/acct-17", "clients"), ("family", None)]


def test_latest_snapshot_has_rounded_money_utc_time_and_holdings(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/snapshots/latest").json()
    assert body["taken_at"] == "2024-03-01T12:00:00Z"
    assert (body["portfolio_value"], body["total_drift"], body["worst_drift"]) == (
        45800.0,
        18.86,
        9.43,
    )
    assert body["asset_classes"][0] == {
        "asset_class": "stocks",
        "current_value": 30000.0,
        "current_percent": 65.5,
        "target_percent": 60.0,
        "target_value": 27480.0,
        "difference": 2520.0,
        "drift": 5.5,
        "needs_rebalancing": True,
        "breach": "absolute",
    }
    assert {
        "symbol": "GLD",
        "asset_class": "commodities",
        "value": 1800.0,
        "quantity": 10.0,
        "price": 180.0,
        "currency": None,  # single-currency mode: no currency, nothing converted
        "native_value": None,
    } in body["holdings"]


def test_an_account_id_with_a_slash_works_in_the_path(client: TestClient) -> None:
    body = client.get("/api/v1/portfolios/clients/acct-17/snapshots/latest").json()
    assert (body["portfolio_id"], body["portfolio_value"], body["holdings"]) == (
        "clients/acct-17",
        6000.0,
        None,
    )


def test_snapshots_are_paginated_with_a_next_link(client: TestClient) -> None:
    first = client.get(f"{FAMILY}/snapshots", params={"limit": 2}).json()
    assert [s["taken_at"][:10] for s in first["items"]] == ["2024-01-01", "2024-02-01"]
    assert first["next"].startswith("http://testserver/api/v1/portfolios/family/snapshots?")
    second = client.get(first["next"]).json()
    assert [s["taken_at"][:10] for s in second["items"]] == ["2024-03-01"]
    assert (second["next"], second["next_cursor"]) == (None, None)


def test_snapshots_filter_by_dates_with_until_including_its_day(client: TestClient) -> None:
    body = client.get(
        f"{FAMILY}/snapshots", params={"since": "2024-01-02", "until": "2024-02-01"}
    ).json()
    assert [s["taken_at"] for s in body["items"]] == ["2024-02-01T12:00:00Z"]


def test_a_time_in_rfc_3339_lower_case_is_read_as_in_upper_case(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/snapshots", params={"since": "2024-02-01t12:00:00z"}).json()
    assert [s["taken_at"] for s in body["items"]] == [
        "2024-02-01T12:00:00Z",
        "2024-03-01T12:00:00Z",
    ]


def test_drift_history_is_a_time_series_per_class(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/drift-history").json()
    assert [p["drifts"] for p in body["points"]] == [
        {"stocks": -2.86, "bonds": 2.86},
        {"stocks": 0.85, "bonds": -0.85},
        {"stocks": 5.5, "bonds": -9.43, "commodities": 3.93},
    ]


def test_drift_history_of_one_class(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/drift-history", params={"asset_class": " Bonds"}).json()
    assert body["asset_class"] == "bonds"
    assert [p["drifts"] for p in body["points"]] == [
        {"bonds": 2.86},
        {"bonds": -0.85},
        {"bonds": -9.43},
    ]


def test_history_csv_has_a_row_per_snapshot(client: TestClient) -> None:
    response = client.get(f"{FAMILY}/history.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == [
        "taken_at,portfolio_value,total_drift,needs_rebalancing,drift_stocks,drift_bonds,drift_commodities",
        "2024-01-01T12:00:00+00:00,35000.00,5.71,false,-2.86,2.86,",
        "2024-02-01T12:00:00+00:00,37800.00,1.69,false,0.85,-0.85,",
        "2024-03-01T12:00:00+00:00,45800.00,18.86,true,5.50,-9.43,3.93",
    ]


def test_attribution_splits_market_and_flow(client: TestClient) -> None:
    body = client.get(f"{FAMILY}/attribution").json()
    assert (body["start_at"], body["end_at"]) == ("2024-01-01T12:00:00Z", "2024-03-01T12:00:00Z")
    assert body["classes"][0] == {
        "asset_class": "stocks",
        "start_value": 20000.0,
        "end_value": 30000.0,
        "change": 10000.0,
        "market_effect": 5000.0,
        "flow_effect": 5000.0,
        "unattributed": 0.0,
    }
    assert (body["total"]["market_effect"], body["total"]["flow_effect"]) == (4000.0, 6800.0)


def test_attribution_with_one_snapshot_in_the_period_is_404(client: TestClient) -> None:
    response = client.get(f"{FAMILY}/attribution", params={"since": "2024-03-01"})
    assert response.status_code == 404
    assert "fewer than two snapshots" in response.json()["detail"]


def test_an_unknown_portfolio_is_404_listing_the_known_ids(client: TestClient) -> None:
    response = client.get("/api/v1/portfolios/famly/snapshots")
    assert response.status_code == 404
    assert response.json()["known"] == ["clients", "clients/acct-17", "family"]


def test_a_bad_date_is_422_naming_the_parameter(client: TestClient) -> None:
    response = client.get(f"{FAMILY}/drift-history", params={"until": "31/01/2024"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "until"]
    assert "'31/01/2024' is not a date or a time" in error["msg"]


def test_until_before_since_is_422(client: TestClient) -> None:
    response = client.get(
        f"{FAMILY}/snapshots", params={"since": "2024-02-01", "until": "2024-01-01"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "until"]


def test_a_forged_cursor_is_422(client: TestClient) -> None:
    response = client.get(f"{FAMILY}/snapshots", params={"cursor": "garbage"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_history_routes_answer_503_without_a_database() -> None:
    with TestClient(create_app(Settings())) as client:
        response = client.get("/api/v1/portfolios")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "history is unavailable: this API was started without a database"
    }


@pytest.mark.parametrize("path", ["snapshots", "drift-history"])
def test_until_the_last_day_there_is_includes_every_snapshot(client: TestClient, path: str) -> None:
    response = client.get(f"{FAMILY}/{path}", params={"until": "9999-12-31"})
    assert response.status_code == 200, response.text
    items = response.json()["items" if path == "snapshots" else "points"]
    assert [p["taken_at"][:10] for p in items] == ["2024-01-01", "2024-02-01", "2024-03-01"]


def test_since_the_first_moment_there_is_east_of_utc_includes_every_snapshot(
    client: TestClient,
) -> None:
    response = client.get(f"{FAMILY}/snapshots", params={"since": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 3


def test_stored_money_past_a_floats_precision_comes_back_exact(
    client: TestClient, session: Session
) -> None:
    ensure_portfolios(session=session, portfolios=[NewPortfolio("rich", "Rich")], now=JANUARY)
    positions = {  # BND: 10 x 234567890123456.78, then 11 x the same price
        JANUARY: [("VTI", "stocks", "1", "1234567890123456.78"), ("BND", "bonds", "10", PRICE)],
        MARCH: [("VTI", "stocks", "1", "1234567890123456.78"), ("BND", "bonds", "11", PRICE)],
    }
    save_snapshots(
        session=session,
        snapshots=[
            NewSnapshot("rich", None, at, report_of(held)) for at, held in positions.items()
        ],
    )
    session.commit()
    latest = as_decimals(client.get("/api/v1/portfolios/rich/snapshots/latest"))
    assert latest["portfolio_value"] == Decimal("3814814681481481.36")
    assert {h["symbol"]: h["price"] for h in latest["holdings"]}["BND"] == Decimal(PRICE)
    page = as_decimals(client.get("/api/v1/portfolios/rich/snapshots"))
    assert [s["holdings_value"] for s in page["items"]] == [
        Decimal("3580246791358024.58"),
        Decimal("3814814681481481.36"),
    ]
    bonds = as_decimals(client.get("/api/v1/portfolios/rich/attribution"))["classes"][1]
    assert (bonds["asset_class"], bonds["flow_effect"]) == ("bonds", Decimal(PRICE))


PRICE = "234567890123456.78"


def as_decimals(response: Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)
