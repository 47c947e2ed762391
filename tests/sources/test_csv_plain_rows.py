"""The CSV reader's fast path for plain rows gives exactly what ``make_holding`` gives."""

from __future__ import annotations

import pytest

from monitor.allocation import make_holding
from monitor.sources.csv import Columns, plain_holding

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
