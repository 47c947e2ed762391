"""The CSV reader's fast paths (plain files, plain rows) give what the general path gives."""

from __future__ import annotations

import pytest

from monitor.allocation import make_holding
from monitor.errors import SourceError
from monitor.sources.csv import Columns, parse_csv, plain_holding, read_row_by_row

HEADER = ["account", "symbol", "asset_class", "value", "quantity", "price"]
PLAIN_ROWS = [
    ["", "VTI", "stocks", "6000", "", ""],
    ["a-1", " VTI ", " Stocks ", "", "12", "102.88"],
    ["a-1", "BND", "bonds", "1_000.50", "", ""],
    ["", "GLD", "commodities", "10", "3", "4"],  # value wins over quantity x price
    ["", "BTC", "crypto", "0", "", ""],
    ["", "X", "cash", " 1e3 ", "", ""],
]
NOT_PLAIN_ROWS = [
    ["", "FUND", "stocks:60;bonds:40", "100", "", ""],
    ["", "", "stocks", "1", "", ""],
    ["", "VTI", " ", "1", "", ""],
    ["", "VTI", "stocks", "lots", "", ""],
    ["", "VTI", "stocks", "-1", "", ""],
    ["", "VTI", "stocks", "NaN", "", ""],
    ["", "VTI", "stocks", "", "12", ""],
    ["", "VTI", "stocks", "5", "x", ""],
]


def made(row: list[str]) -> object:
    fields = dict(zip(HEADER, row, strict=True))
    return make_holding(
        fields["symbol"],
        fields["asset_class"],
        value=fields["value"],
        quantity=fields["quantity"],
        price=fields["price"],
        account=fields["account"].strip() or None,
        where="line 2",
    )


@pytest.mark.parametrize("row", PLAIN_ROWS)
def test_a_plain_row_makes_the_holding_make_holding_makes(row: list[str]) -> None:
    assert plain_holding(row, Columns.of(HEADER)) == made(row)


@pytest.mark.parametrize("row", NOT_PLAIN_ROWS)
def test_a_row_with_a_problem_is_left_to_make_holding(row: list[str]) -> None:
    assert plain_holding(row, Columns.of(HEADER)) is None


PLAIN_FILES = [
    "symbol,asset_class,value\nVTI,stocks,6000\nBND,Bonds ,4000.50\n",
    "symbol,asset_class,value\n\nVTI,stocks,6000\n\n",
    "account,symbol,asset_class,quantity,price\na-1,VTI,stocks,12,102.88\nb-2,VTI,stocks,3,1e2\n",
    "symbol,asset_class,value,quantity,price\nVTI,stocks,10,3,4\nBND,bonds,5,,\n",
    "Symbol, Asset_Class ,Value,Account\nVTI,stocks,1_000, a-1 \nVTI,stocks,0,a-2\n",
    "symbol,asset_class,value\nVTI,stocks,60\nFUND,Stocks:60; bonds:40,100\nX,cash:100,5\n",
]


@pytest.mark.parametrize("text", PLAIN_FILES)
def test_a_plain_file_reads_as_it_does_row_by_row(text: str) -> None:
    assert parse_csv(text, "test") == read_row_by_row(text, "test")


def test_a_file_with_a_bad_row_still_names_its_line() -> None:
    text = "symbol,asset_class,value\n" + "".join(f"S{n},stocks,1\n" for n in range(25_000))
    with pytest.raises(SourceError, match="line 20002: value: expected a number, got 'x'"):
        parse_csv(text.replace("S20000,stocks,1", "S20000,stocks,x"), "test")
