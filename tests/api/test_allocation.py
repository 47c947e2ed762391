"""The seed's four endpoints: paths, parameters, JSON field names and worked numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.fixtures.holdings import SEED_HOLDINGS

ONLY_AAPL = json.dumps({"AAPL": {"asset_class": "stocks", "value": 26940}})


def test_calculate_reproduces_the_seed_report(client: TestClient) -> None:
    response = client.post(
        "/api/v1/allocation/calculate",
        json={
            "holdings": SEED_HOLDINGS,
            "portfolio_value": 183535.63,
            "rebalancing_threshold": 5.0,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["portfolio_value"] == 183535.63
    stocks = body["asset_classes"][0]
    seed_fields = {
        "asset_class": "stocks",
        "current_percent": 14.68,
        "target_percent": 50.0,
        "current_value": 26940.0,
        "target_value": 91767.82,
        "difference": -64827.82,
        "difference_percent": -35.32,
        "needs_rebalancing": True,
    }
    assert {key: stocks[key] for key in seed_fields} == seed_fields
    # Added after the seed's fields: which rule fired, and the class's band.
    assert stocks["breach"] == stocks["rule_fired"] == "absolute"
    assert (stocks["below_minimum"], stocks["band"]) == (False, {"lower": 45.0, "upper": 55.0})
    action = body["rebalancing_actions"][0]
    seed_action = {
        "asset_class": "stocks",
        "action": "BUY",
        "amount": 64827.82,
        "current_percent": 14.68,
        "target_percent": 50.0,
        "drift": -35.32,
    }
    assert {key: action[key] for key in seed_action} == seed_action
    # Added: both amounts; the band edge (47.5%: half the 5 pp band) is 87,179.42.
    assert (action["amount_to_target"], action["amount_to_band_edge"]) == (64827.82, 60239.42)
    assert body["needs_rebalancing"] is True
    assert body["rebalancing_threshold"] == 5.0
    assert body["total_drift"] == 60.37
    assert body["unallocated_value"] == 105855.63


def test_calculate_accepts_custom_targets_and_a_relative_threshold(client: TestClient) -> None:
    response = client.post(
        "/api/v1/allocation/calculate",
        json={
            "holdings": {
                "VTI": {"asset_class": "stocks", "value": 93},
                "USD": {"asset_class": "cash", "value": 7},
            },
            "target_allocations": {"stocks": 95, "cash": 5},
            "relative_threshold": 0.25,
        },
    )
    body = response.json()
    assert body["alerts"] == ["CASH: over-allocated by 2.00% (current: 7.00%, target: 5.00%)"]
    assert body["relative_threshold"] == 0.25


def test_calculate_with_cash_adds_a_buy_only_plan(client: TestClient) -> None:
    response = client.post(
        "/api/v1/allocation/calculate",
        json={
            "holdings": {
                "VTI": {"asset_class": "stocks", "value": 700},
                "BND": {"asset_class": "bonds", "value": 300},
            },
            "target_allocations": {"stocks": 60, "bonds": 40},
            "cash": 500,
        },
    )
    plan = response.json()["buy_only"]
    # New total 1,500: stocks target 900 (has 700), bonds 600 (has 300); 500 goes where the
    # shortfall is largest until both are levelled: bonds 300 -> short 300 vs stocks 200.
    assert [(a["asset_class"], a["amount"]) for a in plan["actions"]] == [
        ("stocks", 200.0),
        ("bonds", 300.0),
    ]
    assert plan["leftover"] == 0.0
    assert plan["resulting_percent"] == {"stocks": 60.0, "bonds": 40.0}


def test_targets_returns_the_seed_dollar_amounts(client: TestClient) -> None:
    response = client.get("/api/v1/allocation/targets", params={"portfolio_value": "183535.63"})
    assert response.json() == {
        "portfolio_value": 183535.63,
        "targets": {
            "stocks": 91767.82,
            "etfs": 27530.34,
            "commodities": 27530.34,
            "crypto": 18353.56,
            "futures": 9176.78,
            "cash": 9176.78,
        },
        "target_percentages": {
            "stocks": 50.0,
            "etfs": 15.0,
            "commodities": 15.0,
            "crypto": 10.0,
            "futures": 5.0,
            "cash": 5.0,
        },
    }


def test_check_rebalancing_reads_holdings_from_the_query_string(client: TestClient) -> None:
    response = client.get(
        "/api/v1/allocation/check-rebalancing",
        params={"holdings": ONLY_AAPL, "portfolio_value": "183535.63", "threshold": "5.0"},
    )
    body = response.json()
    assert body["needs_rebalancing"] is True
    assert (
        body["alerts"][0] == "STOCKS: under-allocated by 35.32% (current: 14.68%, target: 50.00%)"
    )
    assert body["threshold"] == 5.0
    # Every target class counts: stocks 35.32 + etfs 15 + commodities 15 + crypto 10 + 5 + 5.
    assert body["total_drift"] == 85.32


def test_drift_analysis_lists_every_class_with_its_drift_amount(client: TestClient) -> None:
    response = client.get(
        "/api/v1/allocation/drift-analysis",
        params={"holdings": ONLY_AAPL, "portfolio_value": "183535.63"},
    )
    body = response.json()
    assert body["drifts"][0] == {
        "asset_class": "stocks",
        "current_percent": 14.68,
        "target_percent": 50.0,
        "drift": -35.32,
        "drift_amount": -64827.82,
        "needs_rebalancing": True,
        "parent": None,  # added: the class above, for a sub-class
    }
    assert [d["asset_class"] for d in body["drifts"]] == [
        "stocks",
        "etfs",
        "commodities",
        "crypto",
        "futures",
        "cash",
    ]
    assert body["needs_rebalancing"] is True
    assert "timestamp" in body


def test_healthz_answers_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_openapi_documents_the_seed_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/allocation/calculate",
        "/api/v1/allocation/targets",
        "/api/v1/allocation/check-rebalancing",
        "/api/v1/allocation/drift-analysis",
    } <= set(paths)
    assert client.get("/docs").status_code == 200


def exact(response: Response) -> Any:
    """The answer with its numbers as Decimals, digit for digit as sent."""
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def test_money_past_a_floats_precision_comes_back_exact(client: TestClient) -> None:
    holdings = {"VTI": {"asset_class": "stocks", "value": "1234567890123456.78"}}
    body = exact(
        client.post(
            "/api/v1/allocation/calculate",
            json={"holdings": holdings, "target_allocations": {"stocks": 50, "bonds": 50}},
        )
    )
    assert body["portfolio_value"] == Decimal("1234567890123456.78")
    stocks = body["asset_classes"][0]
    assert (stocks["current_value"], stocks["target_value"]) == (
        Decimal("1234567890123456.78"),
        Decimal("617283945061728.39"),
    )
    assert body["plan"]["sold"] == Decimal("617283945061728.39")


def test_a_json_number_in_the_body_is_read_with_every_digit(client: TestClient) -> None:
    response = client.post(
        "/api/v1/allocation/calculate",
        content='{"holdings": {"VTI": {"asset_class": "stocks", "value": 1234567890123456.78}}}',
        headers={"content-type": "application/json"},
    )
    assert exact(response)["holdings_value"] == Decimal("1234567890123456.78")


def test_a_plans_shares_and_prices_come_back_exact(client: TestClient) -> None:
    holdings = {
        "VTI": {"asset_class": "stocks", "value": "1234567890123456.78"},
        "BND": {"asset_class": "bonds", "quantity": "0.5", "price": "234567890123456.789"},
    }
    body = exact(
        client.post(
            "/api/v1/allocation/calculate",
            json={"holdings": holdings, "target_allocations": {"stocks": 50, "bonds": 50}},
        )
    )
    [bonds] = [a for a in body["plan"]["actions"] if a["asset_class"] == "bonds"]
    [trade] = bonds["trades"]
    assert (trade["shares"], trade["price"], trade["amount"]) == (
        2,
        Decimal("234567890123456.789"),
        Decimal("469135780246913.58"),
    )


def test_targets_for_a_large_portfolio_are_exact_numbers_not_floats(client: TestClient) -> None:
    response = client.get(
        "/api/v1/allocation/targets", params={"portfolio_value": "12345678901234567.89"}
    )
    assert '"portfolio_value":12345678901234567.89' in response.text
    body = exact(response)
    assert body["targets"]["stocks"] == Decimal("6172839450617283.95")  # 50 %, half-up
    assert body["targets"]["etfs"] == Decimal("1851851835185185.18")  # 15 %
