"""``/calculate`` and the GET endpoints with target trees, funds spanning classes, the hybrid
band and rebalancing to the band edge."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import TREE
from tests.fixtures.api import calculate


def test_a_two_level_tree_reports_drift_at_every_level(client: TestClient) -> None:
    body = calculate(
        client,
        holdings={
            "VTI": {"asset_class": "stocks/us", "value": 5000},
            "VXUS": {"asset_class": "stocks/intl", "value": 1000},
            "BND": {"asset_class": "bonds", "value": 4000},
        },
        target_allocations=TREE,
    )
    assert [
        (c["asset_class"], c["parent"], c["target_percent"], c["difference_percent"])
        for c in body["asset_classes"]
    ] == [
        ("stocks", None, 60.0, 0.0),
        ("stocks/us", "stocks", 42.0, 8.0),
        ("stocks/intl", "stocks", 18.0, -8.0),
        ("bonds", None, 40.0, 0.0),
    ]
    assert body["total_drift"] == 16.0
    assert [(a["asset_class"], a["action"], a["amount"]) for a in body["plan"]["actions"]] == [
        ("stocks/us", "SELL", 800.0),
        ("stocks/intl", "BUY", 800.0),
    ]


def test_a_fund_spanning_classes_is_split_and_never_traded(client: TestClient) -> None:
    body = calculate(
        client,
        holdings={
            "BAL": {"asset_class": {"stocks": 60, "bonds": 40}, "value": 10000},
            "VTI": {"asset_class": "stocks", "value": 4000},
            "USD": {"asset_class": "cash", "value": 1000},
        },
        target_allocations={"stocks": 50, "bonds": 30, "cash": 20},
    )
    assert [(c["asset_class"], c["current_value"]) for c in body["asset_classes"]] == [
        ("stocks", 10000.0),
        ("bonds", 4000.0),
        ("cash", 1000.0),
    ]
    trades = [t for a in body["plan"]["actions"] for t in a["trades"]]
    assert [(t["symbol"], t["side"], t["amount"]) for t in trades] == [
        ("VTI", "SELL", 2500.0),
        ("USD", "BUY", 2000.0),
    ]
    # bonds is held only through BAL: its 500 is bought in money, with no symbol to name.
    bonds = next(a for a in body["plan"]["actions"] if a["asset_class"] == "bonds")
    assert (bonds["amount"], bonds["trades"]) == (500.0, [])


def test_band_edge_shows_both_amounts_for_a_60_percent_target_with_a_20_percent_band(
    client: TestClient,
) -> None:
    body = calculate(
        client,
        holdings={
            "VTI": {"asset_class": "stocks", "value": 75000},
            "BND": {"asset_class": "bonds", "value": 25000},
        },
        target_allocations={"stocks": 60, "bonds": 40},
        relative_threshold=0.2,
        drift_rule="hybrid",
        rebalance_to="band_edge",
        tolerance=0.5,
    )
    stocks = body["rebalancing_actions"][0]
    assert (stocks["amount"], stocks["amount_to_target"], stocks["amount_to_band_edge"]) == (
        9000.0,
        15000.0,
        9000.0,
    )
    assert body["asset_classes"][0]["band"] == {"lower": 48.0, "upper": 72.0}
    assert body["asset_classes"][0]["breach"] == "hybrid"
    assert (body["drift_rule"], body["hybrid_floor"], body["rebalance_to"], body["tolerance"]) == (
        "hybrid",
        1.0,
        "band_edge",
        0.5,
    )
    assert body["plan"]["sold"] == 11000.0


def test_the_get_endpoints_take_trees_and_the_drift_rule(client: TestClient) -> None:
    params = {
        "holdings": json.dumps(
            {
                "VTI": {"asset_class": "stocks", "value": 68},
                "BND": {"asset_class": "bonds", "value": 32},
            }
        ),
        "target_allocations": json.dumps({"stocks": 60, "bonds": 40}),
        "relative_threshold": "0.2",
    }
    url = "/api/v1/allocation/check-rebalancing"
    assert client.get(url, params=params).json()["needs_rebalancing"] is True  # 8 pp > 5
    hybrid = client.get(url, params={**params, "drift_rule": "hybrid"}).json()
    # Within max(20% x 60, 5) = 12 for stocks and max(20% x 40, 5) = 8 for bonds.
    assert hybrid["needs_rebalancing"] is False
    drifts = client.get(
        "/api/v1/allocation/drift-analysis",
        params={
            "holdings": json.dumps({"VT": {"asset_class": "stocks", "value": 100}}),
            "target_allocations": json.dumps(
                {"stocks": {"target": 100, "children": {"us": 60, "intl": 40}}}
            ),
        },
    ).json()["drifts"]
    assert [(d["asset_class"], d["parent"], d["drift"]) for d in drifts] == [
        ("stocks", None, 0.0),
        ("stocks/us", "stocks", 0.0),
        ("stocks/intl", "stocks", 0.0),
    ]


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        ({"drift_rule": "hybrid"}, ["body", "drift_rule"], "needs a relative_threshold"),
        ({"tolerance": 2}, ["body", "tolerance"], "less than or equal to 1"),
        ({"rebalance_to": "edge"}, ["body", "rebalance_to"], "Input should be"),
        (
            {"target_allocations": {"stocks": {"target": 100, "children": {"us": 50}}}},
            ["body", "target_allocations", "stocks", "children"],
            "children must sum to 100, they sum to 50",
        ),
        (
            {"holdings": {"BAL": {"asset_class": {"stocks": 60, "bonds": 30}, "value": 1}}},
            ["body", "holdings", "BAL", "asset_class"],
            "must sum to 100, they sum to 90",
        ),
    ],
)
def test_bad_tree_and_band_input_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[str], message: str
) -> None:
    request = {"holdings": {"VTI": {"asset_class": "stocks", "value": 1}}, **body}
    response = client.post("/api/v1/allocation/calculate", json=request)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert (detail["loc"], message in detail["msg"]) == (loc, True)


def test_a_hybrid_rule_without_a_relative_threshold_in_the_query_is_a_422(
    client: TestClient,
) -> None:
    response = client.get(
        "/api/v1/allocation/check-rebalancing",
        params={
            "holdings": '{"A": {"asset_class": "stocks", "value": 1}}',
            "drift_rule": "hybrid",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "drift_rule"]


def test_targets_of_a_tree_add_up_to_the_portfolio_with_sub_classes_under_children(
    client: TestClient,
) -> None:
    response = client.get(
        "/api/v1/allocation/targets",
        params={"portfolio_value": "1000", "target_allocations": json.dumps(TREE)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "portfolio_value": 1000.0,
        "targets": {"stocks": 600.0, "bonds": 400.0},
        "target_percentages": {"stocks": 60.0, "bonds": 40.0},
        "children": {
            "stocks": {
                "targets": {"stocks/us": 420.0, "stocks/intl": 180.0},
                "target_percentages": {"stocks/us": 42.0, "stocks/intl": 18.0},
            }
        },
    }
    assert sum(body["targets"].values()) == 1000.0


def test_openapi_documents_the_children_of_targets(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    children = schemas["TargetsResponse"]["properties"]["children"]
    assert "Only for a target tree" in children["description"]
    assert set(schemas["SubClassTargets"]["properties"]) == {"targets", "target_percentages"}


def test_the_hybrid_floor_is_taken_in_the_body_and_the_query(client: TestClient) -> None:
    # Cash at 5% of target 2%: inside max(20% x 2, 5) = 5 pp, outside the default 1 pp floor.
    holdings = {
        "VTI": {"asset_class": "stocks", "value": 95},
        "USD": {"asset_class": "cash", "value": 5},
    }
    rule = {"relative_threshold": 0.2, "drift_rule": "hybrid"}
    goal = {"stocks": 98, "cash": 2}
    narrow = calculate(client, holdings=holdings, target_allocations=goal, **rule)
    assert (narrow["needs_rebalancing"], narrow["asset_classes"][1]["band"]) == (
        True,
        {"lower": 1.0, "upper": 3.0},
    )
    wide = calculate(client, holdings=holdings, target_allocations=goal, hybrid_floor=5, **rule)
    assert (wide["needs_rebalancing"], wide["hybrid_floor"]) == (False, 5.0)
    params = {"holdings": json.dumps(holdings), "target_allocations": json.dumps(goal), **rule}
    url = "/api/v1/allocation/check-rebalancing"
    answers = [
        client.get(url, params={**params, **floor}).json() for floor in ({}, {"hybrid_floor": 5})
    ]
    assert [answer["needs_rebalancing"] for answer in answers] == [True, False]
