"""/calculate with holdings in several currencies: a base currency, rates in the body."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

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
