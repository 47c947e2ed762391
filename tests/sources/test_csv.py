"""The csv kind: a file re-read every tick, each problem named by its line."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.errors import SourceError
from monitor.sources.csv import CsvSource
from tests.fixtures.sources import LoadSource, failure, rows


def write(tmp_path: Path, text: str, name: str = "holdings.csv") -> CsvSource:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return CsvSource(path=path)


def test_a_csv_file_with_values_gives_one_holding_per_line(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\nAAPL,Stocks,26940\nVOO,etfs,30000.50\n")
    assert rows(source.fetch()) == [
        (None, "AAPL", "stocks", Decimal(26940)),
        (None, "VOO", "etfs", Decimal("30000.50")),
    ]


def test_quantity_and_price_columns_give_their_product_as_value(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,quantity,price\nAAPL,stocks,10,150.25\n")
    [holding] = source.fetch()
    assert (holding.quantity, holding.price, holding.value) == (
        Decimal(10),
        Decimal("150.25"),
        Decimal("1502.50"),
    )


def test_an_account_column_gives_each_holding_its_account(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "account,symbol,asset_class,value\nalice,AAPL,stocks,100\nbob,AAPL,stocks,200\n",
    )
    assert rows(source.fetch()) == [
        ("alice", "AAPL", "stocks", Decimal(100)),
        ("bob", "AAPL", "stocks", Decimal(200)),
    ]


def test_column_names_are_read_trimmed_and_in_any_case(tmp_path: Path) -> None:
    source = write(tmp_path, " Symbol ,ASSET_CLASS, Value\nAAPL,stocks,1\n")
    assert rows(source.fetch()) == [(None, "AAPL", "stocks", Decimal(1))]


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\n\nAAPL,stocks,1\n,,\n\nVOO,etfs,2\n\n")
    assert [h.symbol for h in source.fetch()] == ["AAPL", "VOO"]


def test_a_byte_order_mark_does_not_hide_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("symbol,asset_class,value\r\nAAPL,stocks,1\r\n".encode("utf-8-sig"))
    assert rows(CsvSource(path=path).fetch()) == [(None, "AAPL", "stocks", Decimal(1))]


def test_the_file_is_read_again_on_every_fetch(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\nAAPL,stocks,1\n")
    source.fetch()
    source.path.write_text("symbol,asset_class,value\nAAPL,stocks,2\n")
    assert source.fetch()[0].value == Decimal(2)


def test_a_relative_path_is_relative_to_the_config_file(
    tmp_path: Path, configured_source: LoadSource
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "h.csv").write_text("symbol,asset_class,value\nAAPL,stocks,1\n")
    source = configured_source('{ kind = "csv", path = "data/h.csv" }')
    assert [h.symbol for h in source.fetch()] == ["AAPL"]


def test_missing_columns_are_named(tmp_path: Path) -> None:
    source = write(tmp_path, "ticker,class,amount\nAAPL,stocks,1\n")
    assert failure(source) == (
        "line 1: missing column(s) symbol, asset_class, value (or quantity and price); "
        "found ticker, class, amount"
    )


def test_a_price_without_a_quantity_column_is_a_missing_column(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,price\nAAPL,stocks,1\n")
    assert "missing column(s) value (or quantity and price)" in failure(source)


def test_a_csv_row_with_text_in_value_names_its_line(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\nAAPL,stocks,1\nVOO,etfs,lots\n")
    assert failure(source) == "line 3: value: expected a number, got 'lots'"


def test_a_row_with_a_quantity_but_no_price_names_its_line_and_the_missing_field(
    tmp_path: Path,
) -> None:
    source = write(tmp_path, "symbol,asset_class,quantity,price\nAAPL,stocks,10,\n")
    assert failure(source) == "line 2: price: quantity and price go together; price is missing"


@pytest.mark.parametrize(
    "rest", ["", "BND,bonds,1,1,1\n", 'BND,bonds,"1",1,1\n'], ids=["alone", "plain", "quoted"]
)
def test_a_value_that_quantity_times_price_contradicts_names_its_line(
    tmp_path: Path, rest: str
) -> None:
    # Whichever way the file is read: plain rows in batches, or row by row.
    source = write(tmp_path, f"symbol,asset_class,value,quantity,price\n{rest}VTI,stocks,10,3,4\n")
    line = 3 if rest else 2
    assert failure(source) == (
        f"line {line}: value: 10 is not quantity x price (3 x 4 = 12); "
        "give a value, or a quantity and a price, or figures that agree to the cent"
    )


def test_a_negative_value_names_its_line(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\nAAPL,stocks,-5\n")
    assert failure(source) == "line 2: value: must not be negative, got '-5'"


def test_a_row_with_fewer_fields_than_columns_names_its_line(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\nAAPL,stocks,1\nVOO,etfs\n")
    assert failure(source) == "line 3: fewer fields than columns"


def test_a_row_with_more_fields_than_columns_names_its_line(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\nAAPL,stocks,1,extra\n")
    assert failure(source) == "line 2: more fields than columns"


def test_a_duplicate_symbol_names_both_lines(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\nAAPL,stocks,1\nVOO,etfs,2\nAAPL,stocks,3\n")
    assert failure(source) == "line 4: symbol 'AAPL' already appears at line 2"


def test_a_duplicate_symbol_within_one_account_names_the_account(tmp_path: Path) -> None:
    source = write(
        tmp_path, "account,symbol,asset_class,value\nbob,AAPL,stocks,1\nbob,AAPL,stocks,2\n"
    )
    assert failure(source) == "line 3: symbol 'AAPL' in account 'bob' already appears at line 2"


def test_a_header_without_rows_is_an_empty_set(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value\n\n")
    assert failure(source) == "no holdings: the source returned an empty set"


def test_an_empty_file_asks_for_a_header(tmp_path: Path) -> None:
    assert failure(write(tmp_path, "")) == "the CSV file is empty; it needs a header line"


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    source = CsvSource(path=tmp_path / "gone.csv")
    with pytest.raises(SourceError) as caught:
        source.fetch()
    assert str(caught.value) == f"csv {tmp_path / 'gone.csv'}: file not found"


def test_a_folder_in_place_of_the_file_is_reported(tmp_path: Path) -> None:
    assert failure(CsvSource(path=tmp_path)) == "is a folder, not a holdings file"


# A fetch in a child process, as the user named after the file if any (the child imports
# as root, then drops to that user: the checkout need not be open to it): the problem the
# fetch reports, or "read".
FETCH_IN_A_CHILD = """
import codecs, os, pwd, sys
from pathlib import Path
from monitor.errors import SourceError
from monitor.sources.csv import CsvSource
codecs.lookup("utf-8-sig")  # loaded lazily, from where the user may not read
if len(sys.argv) > 2:
    user = pwd.getpwnam(sys.argv[2])
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
try:
    CsvSource(path=Path(sys.argv[1])).fetch()
except SourceError as error:
    print(error.problem)
else:
    print("read")
"""


def fetched_by_someone_the_mode_binds(path: Path) -> str:
    """What a fetch of ``path`` reports, made by a process its mode applies to. Root reads
    any file, and CI runs as root: then the fetch is made as ``nobody``."""
    user = ["nobody"] if os.geteuid() == 0 else []
    child = subprocess.run(
        [sys.executable, "-c", FETCH_IN_A_CHILD, str(path), *user],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    return child.stdout.strip()


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder anyone may enter (``tmp_path``'s parents are root's alone)."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        yield Path(folder)


def test_an_unreadable_file_is_reported(open_folder: Path) -> None:
    readable = write(open_folder, "symbol,asset_class,value\nAAPL,stocks,1\n", "open.csv").path
    readable.chmod(0o644)
    assert fetched_by_someone_the_mode_binds(readable) == "read"  # the folder is no obstacle
    unreadable = write(open_folder, "symbol,asset_class,value\nAAPL,stocks,1\n").path
    unreadable.chmod(0)
    assert fetched_by_someone_the_mode_binds(unreadable) == "permission denied"


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("symbol,asset_class,value\nCAFÉ,stocks,1\n".encode("latin-1"))
    assert failure(CsvSource(path=path)).startswith("not UTF-8 text")
