"""A holding's currency, read from a CSV column or a JSON, YAML or SQL field."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from monitor.sources.csv import CsvSource
from monitor.sources.json import JsonSource
from monitor.sources.sql import SqlSource, dispose_engines
from monitor.sources.yaml import YamlSource
from tests.fixtures.sources import failure


def currencies(source: CsvSource | JsonSource | YamlSource | SqlSource) -> list[object]:
    return [(h.symbol, h.currency) for h in source.fetch()]


def csv_file(tmp_path: Path, text: str) -> CsvSource:
    path = tmp_path / "holdings.csv"
    path.write_text(text, encoding="utf-8")
    return CsvSource(path=path)


def test_a_plain_csv_file_gives_each_holding_its_currency_upper_cased(tmp_path: Path) -> None:
    source = csv_file(
        tmp_path, "symbol,asset_class,value,currency\nVTI,stocks,6000,usd\nBND,bonds,4000,\n"
    )
    assert currencies(source) == [("VTI", "USD"), ("BND", None)]


def test_a_quoted_csv_file_reads_currencies_row_by_row_alike(tmp_path: Path) -> None:
    source = csv_file(
        tmp_path, 'symbol,asset_class,value,currency\n"VTI",stocks,6000, EUR\nBND,bonds,4000,\n'
    )
    assert currencies(source) == [("VTI", "EUR"), ("BND", None)]


def test_a_currency_that_is_not_a_code_is_named_by_its_line(tmp_path: Path) -> None:
    source = csv_file(
        tmp_path, "symbol,asset_class,value,currency\nVTI,stocks,6000,USD\nBND,bonds,4000,euro\n"
    )
    assert failure(source) == (
        "line 3: currency: expected a three-letter currency code such as USD, got 'euro'"
    )


def test_json_rows_and_the_seed_shape_carry_a_currency_field(tmp_path: Path) -> None:
    path = tmp_path / "holdings.json"
    path.write_text(
        '{"VTI": {"asset_class": "stocks", "value": 1, "currency": "USD"},'
        ' "IWDA": {"asset_class": "stocks", "value": 2, "currency": "eur"}}',
        encoding="utf-8",
    )
    assert currencies(JsonSource(path=path)) == [("VTI", "USD"), ("IWDA", "EUR")]


def test_yaml_rows_carry_a_currency_field(tmp_path: Path) -> None:
    path = tmp_path / "holdings.yaml"
    path.write_text(
        "- {symbol: VTI, asset_class: stocks, value: 1, currency: GBP}\n", encoding="utf-8"
    )
    assert currencies(YamlSource(path=path)) == [("VTI", "GBP")]


def test_sql_rows_carry_a_currency_column(tmp_path: Path) -> None:
    path = tmp_path / "holdings.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE holdings (symbol TEXT, asset_class TEXT, value, currency TEXT);"
            "INSERT INTO holdings VALUES ('VTI', 'stocks', 1, 'USD'), ('BND', 'bonds', 2, NULL);"
        )
    source = SqlSource(url=f"sqlite:///{path}", query="SELECT * FROM holdings")
    try:
        assert currencies(source) == [("VTI", "USD"), ("BND", None)]
    finally:
        dispose_engines()
