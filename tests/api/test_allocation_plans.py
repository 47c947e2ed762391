"""``/calculate`` with per-class bands, a minimum trade, plan modes and whole-share trades."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from monitor.api.app import create_app
from monitor.settings import PlanSettings, Settings
from tests.fixtures.api import calculate

# 10,000: stocks 70% (VTI 24 x 250, VXUS 20 x 50), bonds 30% (BND 10 x 80, AGG 22 x 100).
TEN_THOUSAND = {
    "VTI": {"asset_class": "stocks", "quantity": 24, "price": 250},
    "VXUS": {"asset_class": "stocks", "quantity": 20, "price": 50},
    "BND": {"asset_class": "bonds", "quantity": 10, "price": 80},
    "AGG": {"asset_class": "bonds", "quantity": 22, "price": 100},
}
SIXTY_FORTY = {"stocks": 60, "bonds": {"target": 40, "buy": "BND"}}


def test_the_plan_lists_whole_share_trades_and_the_cash_left(client: TestClient) -> None:
    plan = calculate(client, holdings=TEN_THOUSAND, target_allocations=SIXTY_FORTY)["plan"]
    assert [a["trades"] for a in plan["actions"]] == [
        [{"symbol": "VTI", "side": "SELL", "shares": 4.0, "price": 250.0, "amount": 1000.0}],
        [{"symbol": "BND", "side": "BUY", "shares": 12.0, "price": 80.0, "amount": 960.0}],
    ]
    assert (plan["mode"], plan["sold"], plan["bought"], plan["leftover"]) == (
        "buy_and_sell",
        1000.0,
        960.0,
        40.0,
    )
    assert plan["resulting_percent"] == {"stocks": 60.0, "bonds": 39.6}


def test_buy_only_mode_with_cash_never_sells(client: TestClient) -> None:
    body = calculate(
        client, holdings=TEN_THOUSAND, target_allocations=SIXTY_FORTY, mode="buy_only", cash=1000
    )
    plan = body["plan"]
    assert [(a["asset_class"], a["action"], a["amount"]) for a in plan["actions"]] == [
        ("bonds", "BUY", 960.0)
    ]
    assert plan["leftover"] == 40.0
    # The buy-only plan of the core issue stays, for clients that read it.
    assert body["buy_only"]["invested"] == 960.0


def test_sell_only_mode_raises_the_requested_cash(client: TestClient) -> None:
    plan = calculate(
        client,
        holdings=TEN_THOUSAND,
        target_allocations=SIXTY_FORTY,
        mode="sell_only",
        raise_cash=2000,
    )["plan"]
    assert [t["symbol"] for a in plan["actions"] for t in a["trades"]] == ["VTI"]
    assert (plan["sold"], plan["leftover"], plan["shortfall"]) == (2000.0, 2000.0, 0.0)


def test_a_band_in_the_targets_says_band_and_shows_its_edges(client: TestClient) -> None:
    body = calculate(
        client,
        holdings={
            "VTI": {"asset_class": "stocks", "value": 53},
            "BND": {"asset_class": "bonds", "value": 47},
        },
        target_allocations={"stocks": {"target": 50, "min": 48, "max": 52}, "bonds": 50},
    )
    stocks, bonds = body["asset_classes"]
    assert (stocks["breach"], stocks["rule_fired"], stocks["band"]) == (
        "band",
        "band",
        {"lower": 48.0, "upper": 52.0},
    )
    assert (bonds["breach"], bonds["band"]) == (None, {"lower": 45.0, "upper": 55.0})


def test_min_trade_silences_a_breach_too_small_to_trade(client: TestClient) -> None:
    body = calculate(
        client,
        holdings={
            "VTI": {"asset_class": "stocks", "value": 9350},
            "USD": {"asset_class": "cash", "value": 650},
        },
        target_allocations={"stocks": 95, "cash": 5},
        relative_threshold=0.25,
        min_trade=200,
    )
    cash = body["asset_classes"][1]
    assert (cash["needs_rebalancing"], cash["rule_fired"], cash["below_minimum"]) == (
        False,
        "relative",
        True,
    )
    assert (body["needs_rebalancing"], body["alerts"], body["min_trade"]) == (False, [], 200.0)
    assert body["plan"]["below_minimum"] == [
        {"asset_class": "cash", "side": "SELL", "amount": 150.0, "symbol": "USD"}
    ]


def test_check_rebalancing_takes_min_trade_in_the_query(client: TestClient) -> None:
    holdings = (
        '{"VTI": {"asset_class": "stocks", "value": 9350}, '
        '"USD": {"asset_class": "cash", "value": 650}}'
    )
    params = {
        "holdings": holdings,
        "target_allocations": '{"stocks": 95, "cash": 5}',
        "relative_threshold": "0.25",
    }
    url = "/api/v1/allocation/check-rebalancing"
    assert client.get(url, params=params).json()["needs_rebalancing"] is True
    quiet = client.get(url, params={**params, "min_trade": "200"}).json()
    assert quiet["needs_rebalancing"] is False


def test_the_configured_plan_is_the_default(client: TestClient) -> None:
    settings = Settings(plan=PlanSettings(mode="buy_only", min_trade=50))
    configured = TestClient(create_app(settings))
    response = configured.post(
        "/api/v1/allocation/calculate",
        json={"holdings": TEN_THOUSAND, "target_allocations": SIXTY_FORTY, "cash": 1000},
    )
    plan = response.json()["plan"]
    assert (plan["mode"], plan["min_trade"]) == ("buy_only", 50.0)


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        (
            {"target_allocations": {"stocks": {"target": 50, "min": 60}, "bonds": 50}},
            ["body", "target_allocations", "stocks", "min"],
            "min 60 is above the target 50",
        ),
        (
            {"target_allocations": {"stocks": {"target": 50, "mn": 40}, "bonds": 50}},
            ["body", "target_allocations", "stocks", "mn"],
            "unknown option",
        ),
        ({"mode": "sell_all"}, ["body", "mode"], "Input should be"),
        ({"mode": "buy_only", "raise_cash": 10}, ["body", "raise_cash"], "only the sell_only"),
        ({"mode": "sell_only", "raise_cash": 10**6}, ["body", "raise_cash"], "cannot raise"),
        ({"min_trade": -1}, ["body", "min_trade"], "greater than or equal to 0"),
    ],
)
def test_bad_plan_input_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[str], message: str
) -> None:
    response = client.post("/api/v1/allocation/calculate", json={"holdings": TEN_THOUSAND, **body})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == loc
    assert message in detail["msg"]


def test_openapi_documents_the_plan_fields(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    request = schemas["CalculateRequest"]["properties"]
    assert {"mode", "cash", "raise_cash", "trade", "min_trade", "target_allocations"} <= set(
        request
    )
    assert "buy_only" in str(request["mode"])
    per_class = request["target_allocations"]["anyOf"][0]["additionalProperties"]["anyOf"][1]
    assert set(per_class["properties"]) == {
        "target",
        "min",
        "max",
        "threshold",
        "buy",
        "fractional",
    }
    assert {"trades", "resulting_percent"} <= set(schemas["PlanActionOut"]["properties"])


@pytest.mark.timeout(5)
def test_a_share_a_ten_millionth_of_the_plan_is_answered_at_once(client: TestClient) -> None:
    # Issue 14's 200-byte body that kept the server busy for 7.5 s, one share at a time.
    plan = calculate(
        client,
        holdings={
            "A": {"asset_class": "stocks", "quantity": 1, "price": 100000},
            "B": {"asset_class": "bonds", "quantity": 1, "price": 0.01},
        },
        target_allocations={"bonds": 100},
        min_trade=200000,
    )["plan"]
    assert plan["actions"] == []
    assert [(s["asset_class"], s["amount"]) for s in plan["below_minimum"]] == [
        ("stocks", 100000.0),
        ("bonds", 100000.0),
    ]


# 10,000 against 50 / 25 / 25: stocks at 57% breaches; bonds 22% and gold 21% do not.
ONE_BREACH = {
    "VTI": {"asset_class": "stocks", "value": 5700},
    "BND": {"asset_class": "bonds", "value": 2200},
    "GLD": {"asset_class": "gold", "value": 2100},
}


@pytest.mark.parametrize(
    ("trade", "moves"),
    [
        (None, [("SELL", "stocks", 700.0), ("BUY", "bonds", 300.0), ("BUY", "gold", 400.0)]),
        ("breaching", [("SELL", "stocks", 700.0)]),
    ],
)
def test_the_plan_trades_every_class_or_the_breaching_ones(
    client: TestClient, trade: str | None, moves: list[tuple[str, str, float]]
) -> None:
    given = {} if trade is None else {"trade": trade}
    plan = calculate(
        client,
        holdings=ONE_BREACH,
        target_allocations={"stocks": 50, "bonds": 25, "gold": 25},
        **given,
    )["plan"]
    assert [(a["action"], a["asset_class"], a["amount"]) for a in plan["actions"]] == moves
    assert plan["trade"] == (trade or "all")
