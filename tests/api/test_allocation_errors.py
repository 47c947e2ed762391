"""Bad input to the seed's endpoints: a 422 JSON body naming the field, never a 500."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient


def calculate(client: TestClient, body: dict[str, object]) -> tuple[int, list[dict[str, object]]]:
    response = client.post("/api/v1/allocation/calculate", json=body)
    return response.status_code, response.json()["detail"]


def test_a_negative_value_is_a_422_naming_the_holding(client: TestClient) -> None:
    status, detail = calculate(
        client, {"holdings": {"AAPL": {"asset_class": "stocks", "value": -1}}}
    )
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings", "AAPL", "value"]


def test_a_non_numeric_value_is_a_422_naming_the_holding(client: TestClient) -> None:
    status, detail = calculate(
        client, {"holdings": {"AAPL": {"asset_class": "stocks", "value": "lots"}}}
    )
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings", "AAPL", "value"]


def test_nan_is_rejected_as_not_json(client: TestClient) -> None:
    response = client.post(
        "/api/v1/allocation/calculate",
        content='{"holdings": {"AAPL": {"asset_class": "stocks", "value": NaN}}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body"],
            "msg": "invalid JSON: NaN is not a number JSON allows",
            "type": "value_error",
        }
    ]


def test_infinity_as_a_string_is_rejected(client: TestClient) -> None:
    status, detail = calculate(
        client, {"holdings": {"AAPL": {"asset_class": "stocks", "value": "Infinity"}}}
    )
    assert status == 422
    assert "finite" in str(detail[0]["msg"])


def test_a_portfolio_value_below_the_holdings_is_a_422(client: TestClient) -> None:
    status, detail = calculate(
        client,
        {"holdings": {"AAPL": {"asset_class": "stocks", "value": 100}}, "portfolio_value": 50},
    )
    assert status == 422
    assert detail[0]["loc"] == ["body", "portfolio_value"]
    assert "below the holdings' sum 100.00" in str(detail[0]["msg"])


def test_an_empty_portfolio_is_a_422(client: TestClient) -> None:
    status, detail = calculate(client, {"holdings": {}})
    assert status == 422
    assert "worth nothing" in str(detail[0]["msg"])


@pytest.mark.parametrize("value", ["0", "0.001"])
def test_a_holding_worth_less_than_a_cent_is_refused_as_worth_nothing(
    client: TestClient, value: str
) -> None:
    status, detail = calculate(
        client, {"holdings": {"AAPL": {"asset_class": "stocks", "value": value}}}
    )
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings"]
    assert "the portfolio is worth nothing" in str(detail[0]["msg"])


@pytest.mark.parametrize("value", ["0", "0.004"])
def test_targets_for_less_than_a_cent_are_refused_alike(client: TestClient, value: str) -> None:
    response = client.get("/api/v1/allocation/targets", params={"portfolio_value": value})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["query", "portfolio_value"]
    assert problem["msg"] == "Input should be greater than or equal to 0.01"


def test_a_portfolio_value_below_a_cent_is_refused_by_every_endpoint(client: TestClient) -> None:
    holdings = {"AAPL": {"asset_class": "stocks", "value": "0.001"}}
    posted = client.post(
        "/api/v1/allocation/calculate", json={"holdings": holdings, "portfolio_value": "0.004"}
    )
    got = client.get(
        "/api/v1/allocation/check-rebalancing",
        params={"holdings": json.dumps(holdings), "portfolio_value": "0.004"},
    )
    for response in (posted, got):
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == "portfolio_value"


def test_a_holding_without_value_or_quantity_and_price_is_a_422(client: TestClient) -> None:
    status, detail = calculate(client, {"holdings": {"AAPL": {"asset_class": "stocks"}}})
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings", "AAPL"]
    assert "needs a value, or a quantity and a price" in str(detail[0]["msg"])


def test_a_value_that_quantity_times_price_contradicts_is_a_422(client: TestClient) -> None:
    holding = {"asset_class": "stocks", "value": 1000, "quantity": 3, "price": 4}
    status, detail = calculate(client, {"holdings": {"AAPL": holding}})
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings", "AAPL", "value"]
    assert "1000 is not quantity x price (3 x 4 = 12)" in str(detail[0]["msg"])


def test_a_value_that_quantity_times_price_contradicts_in_the_query_is_a_422(
    client: TestClient,
) -> None:
    holdings = '{"AAPL": {"asset_class": "stocks", "value": 1000, "quantity": 3, "price": 4}}'
    response = client.get("/api/v1/allocation/drift-analysis", params={"holdings": holdings})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["query", "holdings"]
    assert "holdings.AAPL.value: 1000 is not quantity x price" in detail["msg"]


def test_targets_not_summing_to_100_are_a_422(client: TestClient) -> None:
    status, detail = calculate(
        client,
        {
            "holdings": {"AAPL": {"asset_class": "stocks", "value": 1}},
            "target_allocations": {"stocks": 70, "bonds": 20},
        },
    )
    assert status == 422
    assert detail[0]["loc"] == ["body", "target_allocations"]
    assert "sum to 90" in str(detail[0]["msg"])


def test_an_unknown_asset_class_is_reported_with_target_zero_not_dropped(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/v1/allocation/calculate",
        json={
            "holdings": {
                "X": {"asset_class": "Art", "value": 10},
                "V": {"asset_class": "stocks", "value": 90},
            }
        },
    )
    art = next(c for c in response.json()["asset_classes"] if c["asset_class"] == "art")
    assert response.status_code == 200
    assert (art["target_percent"], art["difference_percent"]) == (0.0, 10.0)


def test_malformed_json_in_the_query_string_is_a_422_naming_holdings(client: TestClient) -> None:
    response = client.get(
        "/api/v1/allocation/check-rebalancing", params={"holdings": '{"AAPL": {"asset_class": '}
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["query", "holdings"]
    assert "invalid JSON" in detail["msg"]


def test_a_missing_holdings_parameter_is_a_422(client: TestClient) -> None:
    response = client.get("/api/v1/allocation/drift-analysis")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "holdings"]


def test_a_negative_threshold_in_the_query_is_a_422(client: TestClient) -> None:
    response = client.get(
        "/api/v1/allocation/check-rebalancing",
        params={"holdings": '{"A": {"asset_class": "stocks", "value": 1}}', "threshold": "-2"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "threshold"]


def test_targets_requires_a_positive_portfolio_value(client: TestClient) -> None:
    response = client.get("/api/v1/allocation/targets", params={"portfolio_value": "0"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "portfolio_value"]


def test_a_value_of_10_to_the_26_is_a_422_naming_the_holding(client: TestClient) -> None:
    status, detail = calculate(
        client, {"holdings": {"AAPL": {"asset_class": "stocks", "value": 1e26}}}
    )
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings", "AAPL", "value"]
    assert detail[0]["msg"] == "Input should be less than 1000000000000000000"


def test_holdings_summing_past_10_to_the_18_are_a_422_naming_holdings(
    client: TestClient,
) -> None:
    holdings = {f"F{n}": {"asset_class": "stocks", "value": 9e17} for n in range(2)}
    status, detail = calculate(client, {"holdings": holdings})
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings"]
    assert detail[0]["msg"] == (
        "the holdings' sum 1.8e+18 is too large: "
        "numbers must be below 10^18 (1,000,000,000,000,000,000)"
    )


def test_a_quantity_times_a_price_past_10_to_the_18_is_a_422(client: TestClient) -> None:
    holding = {"asset_class": "stocks", "quantity": 1e10, "price": 1e10}
    status, detail = calculate(client, {"holdings": {"AAPL": holding}})
    assert status == 422
    assert detail[0]["loc"] == ["body", "holdings"]


def test_drift_analysis_with_a_value_of_10_to_the_30_is_a_422_naming_it(
    client: TestClient,
) -> None:
    response = client.get(
        "/api/v1/allocation/drift-analysis",
        params={"holdings": '{"A": {"asset_class": "stocks", "value": 1e30}}'},
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["query", "holdings"]
    assert detail["msg"] == (
        "holdings.A.value: 1e+30 is too large: "
        "numbers must be below 10^18 (1,000,000,000,000,000,000)"
    )


def test_targets_for_a_portfolio_value_of_10_to_the_30_is_a_422(client: TestClient) -> None:
    response = client.get("/api/v1/allocation/targets", params={"portfolio_value": "1e30"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "portfolio_value"]


def test_a_portfolio_value_below_the_holdings_in_the_query_is_a_422_in_the_query(
    client: TestClient,
) -> None:
    response = client.get(
        "/api/v1/allocation/check-rebalancing",
        params={
            "holdings": '{"A": {"asset_class": "stocks", "value": 100}}',
            "portfolio_value": 50,
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "portfolio_value"]
