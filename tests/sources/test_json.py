"""The json kind: the seed's holdings shape or rows, re-read every tick."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from monitor.sources.json import JsonSource
from tests.fixtures.holdings import SEED_HOLDINGS
from tests.fixtures.sources import failure, rows


def write(tmp_path: Path, text: str) -> JsonSource:
    path = tmp_path / "holdings.json"
    path.write_text(text, encoding="utf-8")
    return JsonSource(path=path)


def test_the_seed_shape_gives_one_holding_per_symbol(tmp_path: Path) -> None:
    source = write(tmp_path, json.dumps(SEED_HOLDINGS))
    assert rows(source.fetch()) == [
        (None, "AAPL", "stocks", Decimal(26940)),
        (None, "VOO", "etfs", Decimal(30000)),
        (None, "Gold", "commodities", Decimal(20740)),
        (None, "BTC", "crypto", Decimal(0)),
    ]


def test_the_seed_request_body_with_a_holdings_key_is_read_too(tmp_path: Path) -> None:
    source = write(tmp_path, json.dumps({"holdings": SEED_HOLDINGS}))
    assert len(source.fetch()) == len(SEED_HOLDINGS)


def test_a_list_of_rows_with_accounts_gives_each_holding_its_account(tmp_path: Path) -> None:
    document = [
        {"account": "alice", "symbol": "AAPL", "asset_class": "stocks", "value": 1},
        {"account": "bob", "symbol": "AAPL", "asset_class": "stocks", "quantity": 2, "price": 3},
    ]
    assert rows(write(tmp_path, json.dumps(document)).fetch()) == [
        ("alice", "AAPL", "stocks", Decimal(1)),
        ("bob", "AAPL", "stocks", Decimal(6)),
    ]


def test_invalid_json_names_its_line_and_column(tmp_path: Path) -> None:
    source = write(tmp_path, '{\n  "AAPL": {"asset_class": "stocks", "value": 1,}\n}')
    assert failure(source).startswith("invalid JSON at line 2, column 48: ")


def test_a_symbol_given_twice_is_rejected_rather_than_one_kept(tmp_path: Path) -> None:
    text = '{"AAPL": {"asset_class": "stocks", "value": 1}, "AAPL": {"value": 2}}'
    assert failure(write(tmp_path, text)) == "invalid JSON: key 'AAPL' is given twice"


def test_a_value_of_the_wrong_type_names_its_field(tmp_path: Path) -> None:
    source = write(tmp_path, json.dumps({"AAPL": {"asset_class": "stocks", "value": "lots"}}))
    assert failure(source) == "holdings.AAPL.value: expected a number, got 'lots'"


def test_a_value_that_quantity_times_price_contradicts_names_the_holding(tmp_path: Path) -> None:
    holding = {"asset_class": "stocks", "value": 26000, "quantity": 150, "price": 179.6}
    assert failure(write(tmp_path, json.dumps({"AAPL": holding}))).startswith(
        "holdings.AAPL.value: 26000 is not quantity x price (150 x 179.6 = 26940.0); "
    )


def test_a_boolean_value_is_not_taken_for_a_number(tmp_path: Path) -> None:
    source = write(tmp_path, json.dumps({"AAPL": {"asset_class": "stocks", "value": True}}))
    assert failure(source) == "holdings.AAPL.value: expected a number, got True"


def test_a_holding_that_is_not_an_object_names_its_symbol(tmp_path: Path) -> None:
    source = write(tmp_path, json.dumps({"AAPL": 26940}))
    assert failure(source) == "holdings.AAPL: expected an object with asset_class and value"


def test_a_row_that_is_not_an_object_names_its_index(tmp_path: Path) -> None:
    source = write(tmp_path, json.dumps([{"symbol": "A", "asset_class": "x", "value": 1}, "B"]))
    assert failure(source) == "holdings[1]: expected an object, got 'B'"


def test_a_document_of_the_wrong_shape_says_what_was_expected(tmp_path: Path) -> None:
    assert failure(write(tmp_path, "42")) == (
        "expected holdings as an object keyed by symbol or a list of rows, got int"
    )


def test_nan_is_not_accepted_as_a_value(tmp_path: Path) -> None:
    source = write(tmp_path, '{"AAPL": {"asset_class": "stocks", "value": NaN}}')
    assert failure(source) == "invalid JSON: NaN is not a number JSON allows"


def test_a_duplicate_symbol_in_rows_names_both_rows(tmp_path: Path) -> None:
    row = {"symbol": "AAPL", "asset_class": "stocks", "value": 1}
    assert failure(write(tmp_path, json.dumps([row, row]))) == (
        "holdings[1]: symbol 'AAPL' already appears at holdings[0]"
    )


def test_an_empty_object_is_an_empty_set(tmp_path: Path) -> None:
    assert failure(write(tmp_path, "{}")) == "no holdings: the source returned an empty set"


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    assert failure(JsonSource(path=tmp_path / "gone.json")) == "file not found"
