"""/calculate with holdings in several currencies: a base currency, rates in the body."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.fixtures.api import CALCULATE, calculate

MIXED = {
    "VTI": {"asset_class": "stocks", "value": 6000, "currency": "USD"},
    "BUND": {"asset_class": "bonds", "value": 4000, "currency": "eur"},
}
TARGETS = {"stocks": 60, "bonds": 40}


def detail(client: TestClient, **body: Any) -> tuple[int, list[dict[str, Any]]]:
    response = client.post(CALCULATE, json=body)
    return response.status_code, response.json()["detail"]


def test_calculate_converts_into_the_base_currency_and_names_it(client: TestClient) -> None:
    body = calculate(
        client,
        holdings=MIXED,
        target_allocations=TARGETS,
        base_currency="USD",
        fx_rates={"EURUSD": 1.0842},
    )
    # 4,000 EUR x 1.0842 = 4,336.80 USD; 10,336.80 USD in all; stocks 58.05%.
    assert body["base_currency"] == "USD"
    assert body["portfolio_value"] == 10336.8
    assert body["asset_classes"][0]["current_percent"] == 58.05
    assert body["currency_exposure"] == [
        {
            "currency": "USD",
            "value": 6000.0,
            "native_value": 6000.0,
            "percent": 58.05,
            "target_percent": None,
            "drift": None,
            "breach": None,
        },
        {
            "currency": "EUR",
            "value": 4336.8,
            "native_value": 4000.0,
            "percent": 41.95,
            "target_percent": None,
            "drift": None,
            "breach": None,
        },
    ]
    assert body["fx_rates"] == [{"pair": "EURUSD", "rate": 1.0842, "as_of": None}]
    bund = next(h for h in body["holdings"] if h["symbol"] == "BUND")
    assert bund == {
        "symbol": "BUND",
        "asset_class": "bonds",
        "value": 4336.8,
        "currency": "EUR",
        "native_value": 4000.0,
    }


def test_currency_targets_breach_and_alert(client: TestClient) -> None:
    body = calculate(
        client,
        holdings=MIXED,
        target_allocations=TARGETS,
        base_currency="USD",
        fx_rates={"EUR/USD": 1.0842},
        currency_targets={"USD": 70, "EUR": 30},
    )
    assert body["needs_rebalancing"] is True
    assert [e["breach"] for e in body["currency_exposure"]] == ["absolute", "absolute"]
    assert (
        "CURRENCY USD: under-weighted by 11.95% (current: 58.05%, target: 70.00%)"
        in (body["alerts"])
    )


def test_a_missing_rate_is_a_422_naming_the_pair(client: TestClient) -> None:
    status, problems = detail(
        client, holdings=MIXED, target_allocations=TARGETS, base_currency="USD"
    )
    assert status == 422
    assert "no exchange rate for EURUSD" in str(problems)


def test_two_currencies_without_a_base_are_a_422(client: TestClient) -> None:
    status, problems = detail(client, holdings=MIXED, target_allocations=TARGETS)
    assert status == 422
    assert "no base currency is set" in str(problems)


def test_a_currency_that_is_not_a_code_is_a_422_naming_the_holding(client: TestClient) -> None:
    holdings = {"VTI": {"asset_class": "stocks", "value": 1, "currency": "dollars"}}
    status, problems = detail(client, holdings=holdings)
    assert status == 422
    assert problems[0]["loc"] == ["body", "holdings", "VTI", "currency"]


def test_without_currencies_the_answer_has_no_currency_fields_set(client: TestClient) -> None:
    body = calculate(client, holdings={"VTI": {"asset_class": "stocks", "value": 1}})
    assert (body["base_currency"], body["currency_exposure"], body["holdings"]) == (None, [], None)


# The GET endpoints take the same: holdings (JSON) with a currency each, base_currency and
# fx_rates (JSON of pair: rate) in the query.
CHECK = "/api/v1/allocation/check-rebalancing"
DRIFT = "/api/v1/allocation/drift-analysis"
IN_USD = {
    "holdings": json.dumps(MIXED),
    "target_allocations": json.dumps(TARGETS),
    "base_currency": "usd",
    "fx_rates": json.dumps({"EURUSD": 1.0842}),
}


def get(client: TestClient, path: str, **query: str) -> Response:
    return client.get(path, params=query)


def test_drift_analysis_converts_into_the_base_currency_and_names_it(client: TestClient) -> None:
    response = get(client, DRIFT, **IN_USD)
    assert response.status_code == 200, response.text
    body = response.json()
    # 4,000 EUR x 1.0842 = 4,336.80 USD; with 6,000 USD, 10,336.80 USD in all.
    # stocks: 6,000 / 10,336.80 = 58.045% (target 60%: 6,202.08, so -202.08);
    # bonds: 4,336.80 / 10,336.80 = 41.955% (target 40%: 4,134.72, so +202.08).
    assert body["portfolio_value"] == 10336.8
    drifts = [(d["asset_class"], d["current_percent"], d["drift_amount"]) for d in body["drifts"]]
    assert drifts == [("stocks", 58.05, -202.08), ("bonds", 41.95, 202.08)]
    assert body["base_currency"] == "USD"
    assert [(e["currency"], e["value"], e["native_value"]) for e in body["currency_exposure"]] == [
        ("USD", 6000.0, 6000.0),
        ("EUR", 4336.8, 4000.0),
    ]
    assert body["fx_rates"] == [{"pair": "EURUSD", "rate": 1.0842, "as_of": None}]


def test_check_rebalancing_crosses_rates_through_a_third_currency(client: TestClient) -> None:
    query = IN_USD | {
        "holdings": json.dumps(
            {
                "VTI": {"asset_class": "stocks", "value": 6000},
                "GILT": {"asset_class": "bonds", "value": 3000, "currency": "GBP"},
            }
        ),
        "fx_rates": json.dumps({"EURUSD": 1.08, "EURGBP": 0.8}),
        "threshold": "1",
    }
    body = get(client, CHECK, **query).json()
    # GBPUSD through EUR: 1.08 / 0.8 = 1.35; 3,000 GBP = 4,050 USD, 10,050 USD in all.
    # bonds: 4,050 / 10,050 = 40.30%, stocks 59.70%: 0.30 pp each, inside a 1 pp band.
    assert (body["needs_rebalancing"], body["total_drift"]) == (False, 0.6)
    assert [(e["currency"], e["value"], e["percent"]) for e in body["currency_exposure"]] == [
        ("USD", 6000.0, 59.7),
        ("GBP", 4050.0, 40.3),
    ]


def test_the_get_endpoints_refuse_a_missing_pair_naming_it(client: TestClient) -> None:
    for path in (CHECK, DRIFT):
        query = IN_USD | {"fx_rates": json.dumps({"GBPUSD": 1.27})}
        response = get(client, path, **query)
        assert response.status_code == 422
        assert "no exchange rate for EURUSD" in response.text


def test_the_get_endpoints_refuse_two_currencies_without_a_base(client: TestClient) -> None:
    query = {k: v for k, v in IN_USD.items() if k != "base_currency"}
    for path in (CHECK, DRIFT):
        response = get(client, path, **query)
        assert response.status_code == 422
        assert "no base currency is set" in response.text


def test_fx_rates_in_the_query_must_be_an_object_of_pair_and_rate(client: TestClient) -> None:
    response = get(client, CHECK, **IN_USD | {"fx_rates": "[1.08]"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "fx_rates"


def test_without_currencies_the_get_answers_keep_the_seeds_fields(client: TestClient) -> None:
    query = {"holdings": json.dumps({"VTI": {"asset_class": "stocks", "value": 1}})}
    check = get(client, CHECK, **query).json()
    drift = get(client, DRIFT, **query).json()
    targets = get(client, "/api/v1/allocation/targets", portfolio_value="100").json()
    assert set(check) == {
        "needs_rebalancing",
        "alerts",
        "total_drift",
        "threshold",
        "relative_threshold",
    }
    assert set(drift) == {
        "portfolio_value",
        "timestamp",
        "drifts",
        "total_drift",
        "needs_rebalancing",
    }
    assert set(targets) == {"portfolio_value", "targets", "target_percentages"}


def test_targets_name_the_base_currency_they_are_in(client: TestClient) -> None:
    body = get(
        client, "/api/v1/allocation/targets", portfolio_value="1000", base_currency="eur"
    ).json()
    # Default targets are in money of the portfolio's currency: nothing to convert.
    assert body["base_currency"] == "EUR"
    assert sum(body["targets"].values()) == 1000
