"""The CSV reader's fast paths (plain files, plain rows) give what the general path gives."""

from __future__ import annotations

import csv

import pytest

from monitor.domain.allocation import make_holding
from monitor.errors import SourceError
from monitor.sources.csv_batches import (
    Columns,
    NotPlain,
    SeenSymbols,
    reader_batches,
    simple_lines,
    split_batches,
)
from monitor.sources.csv_parsing import open_csv, parse_csv, plain_holding, read_row_by_row

HEADER = ["account", "symbol", "asset_class", "value", "quantity", "price"]
PLAIN_ROWS = [
    ["", "VTI", "stocks", "6000", "", ""],
    ["a-1", " VTI ", " Stocks ", "", "12", "102.88"],
    ["a-1", "BND", "bonds", "1_000.50", "", ""],
    ["", "GLD", "commodities", "12.01", "3", "4"],  # the value given, within a cent
    ["", "BTC", "crypto", "0", "", ""],
    ["", "X", "cash", " 1e3 ", "", ""],
    ["", "BIG", "cash", "", "1e9", "1e9"],  # the product may reach the limit
    ["", "ALMOST", "cash", "999999999999999999.99", "", ""],
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
    ["", "VTI", "stocks", "1e18", "", ""],
    ["", "VTI", "stocks", "", "1e18", "1"],
    ["", "VTI", "stocks", "5", "1", "1000000000000000000"],
    ["", "GLD", "commodities", "10", "3", "4"],  # a value that quantity x price contradicts
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
    "symbol,asset_class,value,quantity,price\nVTI,stocks,12,3,4\nBND,bonds,5,,\n",
    "Symbol, Asset_Class ,Value,Account\nVTI,stocks,1_000, a-1 \nVTI,stocks,0,a-2\n",
    "symbol,asset_class,value\nVTI,stocks,60\nFUND,Stocks:60; bonds:40,100\nX,cash:100,5\n",
    "symbol,asset_class,value,currency\nVTI,stocks,1,usd\nBND,bonds,2,\nIWDA,stocks,3, EUR \n",
]


SPLIT_FILES = [
    "symbol,asset_class,value\nVTI,stocks,1\nBND,bonds,2",  # no line feed at the end
    "symbol,asset_class,value\n\n\nVTI, stocks ,1\n  \n,,\nBND,bonds,2\n\n",
    "symbol,asset_class,value\nVTI,stocks,1,\nBND,bonds\n",  # widths the reader rejects
    "symbol,asset_class,value\nVTI,stocks,1\f\nBND,bo\u2028nds,2\x85\n",  # not line breaks
    "symbol,asset_class,value\n",
]
READER_FILES = [
    'symbol,asset_class,value\n"VTI",stocks,"1,000"\n',
    "symbol,asset_class,value\r\nVTI,stocks,1\r\nBND,bonds,2\r\n",
    "symbol,asset_class,value\nVTI,stocks,1\rBND,bonds,2\n",
    "symbol,asset_class,value\nVTI,st\x00ocks,1\n",
]


def test_a_row_whose_currency_is_not_a_code_is_left_to_make_holding() -> None:
    columns = Columns.of(["symbol", "asset_class", "value", "currency"])
    assert plain_holding(["VTI", "stocks", "1", "euro"], columns) is None
    assert plain_holding(["VTI", "stocks", "1", " eur "], columns) == make_holding(
        "VTI", "stocks", value="1", currency="EUR", where="line 2"
    )


def reader_rows(text: str) -> list[list[tuple[str, ...]]]:
    reader, header = open_csv(text, "test")
    try:
        return [list(map(tuple, batch)) for batch in reader_batches(reader, len(header))]
    except NotPlain:
        return []


def split_rows(text: str) -> list[list[tuple[str, ...]]]:
    _, header = open_csv(text, "test")
    lines = simple_lines(text)
    assert lines is not None
    try:
        return [list(map(tuple, batch)) for batch in split_batches(lines, len(header))]
    except NotPlain:
        return []


@pytest.mark.parametrize("text", PLAIN_FILES + SPLIT_FILES)
def test_a_file_without_quotes_or_carriage_returns_splits_as_the_reader_reads_it(
    text: str,
) -> None:
    assert split_rows(text) == reader_rows(text)


@pytest.mark.parametrize("text", READER_FILES)
def test_a_file_with_quotes_carriage_returns_or_nuls_is_left_to_the_reader(text: str) -> None:
    assert simple_lines(text) is None


def test_a_file_with_a_line_longer_than_the_reader_takes_is_left_to_the_reader() -> None:
    huge = "x" * (csv.field_size_limit() + 1)
    assert simple_lines(f"symbol,asset_class,value\nVTI,{huge},1\n") is None
    with pytest.raises(SourceError, match="line 2: field larger than field limit"):
        parse_csv(f"symbol,asset_class,value\nVTI,{huge},1\n", "test")


@pytest.mark.parametrize("text", [*PLAIN_FILES, SPLIT_FILES[0], *READER_FILES[1:3]])
def test_a_plain_file_reads_as_it_does_row_by_row(text: str) -> None:
    # repr: the same digits too (Decimal("1.50") == Decimal("1.5"), but is not stored so).
    assert repr(parse_csv(text, "test")) == repr(read_row_by_row(text, "test"))


@pytest.mark.parametrize(
    "text",
    [
        "symbol,asset_class,value\nVTI,stocks,1\nBND,bonds,1e18\n",
        "symbol,asset_class,quantity,price\nVTI,stocks,1,1\nBND,bonds,2,1E+18\n",
    ],
)
def test_a_number_too_large_for_the_store_is_named_by_its_line(text: str) -> None:
    with pytest.raises(SourceError, match=r"line 3: .* is too large"):
        parse_csv(text, "test")


def test_symbols_seen_are_told_apart_by_account_across_runs_and_batches() -> None:
    seen = SeenSymbols()
    assert seen.add(["a", "a", "b", "b", None], ["X", "Y", "X", "Y", "X"])
    assert seen.add(["a", "c", "c"], ["Z", "X", "Y"])  # a's rows again, later
    assert not seen.add(["c", "b"], ["Z", "Y"])  # Y already in b
    assert not SeenSymbols().add(["a", "b", "a"], ["X", "X", "X"])  # X twice in a
    assert not SeenSymbols().add([None, None], ["X", "X"])


@pytest.mark.parametrize(
    ("repeat", "message"),
    [
        ("a-0,S3,stocks,1", "line 20002: symbol 'S3' in account 'a-0' already appears at line 5"),
        ("a-1,S4,stocks,1", "line 20002: symbol 'S4' in account 'a-1' already appears at line 6"),
    ],
)
def test_a_symbol_repeated_in_a_later_run_of_its_account_is_named(
    repeat: str, message: str
) -> None:
    rows = [f"a-{n % 3},S{n},stocks,1" for n in range(25_000)]
    rows[20_000] = repeat
    text = "account,symbol,asset_class,value\n" + "\n".join(rows)
    with pytest.raises(SourceError, match=message):
        parse_csv(text, "test")


def test_a_file_of_many_batches_reads_as_it_does_row_by_row() -> None:
    text = "account,symbol,asset_class,quantity,price\n" + "".join(
        f"a-{n % 7},S{n},{('stocks', 'bonds', 'cash')[n % 3]},{n % 13}.{n % 10}0,{n}.25\n"
        for n in range(25_000)
    )
    assert repr(parse_csv(text, "test")) == repr(read_row_by_row(text, "test"))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("S20000,stocks,1,", "line 20002: more fields than columns"),
        ("S20000,stocks", "line 20002: fewer fields than columns"),
        ('S1,"stocks",1', "line 20002: symbol 'S1' already appears at line 3"),
        ("S20000,stocks,\x00", r"line 20002: value: expected a number, got '\\x00'"),
        ("S1,stocks,1", "line 20002: symbol 'S1' already appears at line 3"),
    ],
)
def test_a_bad_row_in_a_big_file_is_named_by_its_line(row: str, message: str) -> None:
    text = "symbol,asset_class,value\n" + "".join(f"S{n},stocks,1\n" for n in range(25_000))
    with pytest.raises(SourceError, match=message):
        parse_csv(text.replace("S20000,stocks,1\n", row + "\n"), "test")


def test_a_file_with_a_bad_row_still_names_its_line() -> None:
    text = "symbol,asset_class,value\n" + "".join(f"S{n},stocks,1\n" for n in range(25_000))
    with pytest.raises(SourceError, match="line 20002: value: expected a number, got 'x'"):
        parse_csv(text.replace("S20000,stocks,1", "S20000,stocks,x"), "test")
