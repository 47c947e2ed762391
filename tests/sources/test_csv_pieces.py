"""The csv kind read a piece of the file at a time, as a tick of many accounts reads it:
the same holdings as the whole file gives, or a request to read the whole file."""

from __future__ import annotations

from pathlib import Path

import pytest

import monitor.sources.csv_pieces
from monitor.errors import SourceError
from monitor.sources.base import NotStreamable
from monitor.sources.csv import CsvSource

EXPORT = "account,symbol,asset_class,quantity,price\n" + "".join(
    f"acct-{n},SYM{m},{('stocks', 'bonds')[m % 2]},{n + m + 1},{m + 1}.25\n"
    for n in range(4)
    for m in range(3)
)


def write(tmp_path: Path, text: str) -> CsvSource:
    path = tmp_path / "holdings.csv"
    path.write_text(text, encoding="utf-8")
    return CsvSource(path=path)


def test_an_export_read_in_pieces_gives_the_holdings_of_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitor.sources.csv_pieces, "CHUNK_BYTES", 60)
    source = write(tmp_path, EXPORT)
    pieces = list(source.fetch_batches())
    assert len(pieces) > 3
    assert [h for piece in pieces for h in piece] == source.fetch()


@pytest.mark.parametrize(
    "text",
    [
        'symbol,asset_class,value\n"VTI",stocks,600\n',
        "symbol,asset_class,value\r\nVTI,stocks,600\r\n",
        "symbol,asset_class,value\nFUND,stocks:60;bonds:40,600\n",
        "symbol,asset_class,value\nVTI,stocks,lots\n",
        "symbol,asset_class,value\nVTI,stocks,600\nVTI,stocks,400\n",
        "symbol,asset_class,value\n",
    ],
    ids=["quoted", "crlf", "weights", "bad number", "symbol twice", "no rows"],
)
def test_a_file_that_is_not_plain_rows_is_to_be_read_whole(tmp_path: Path, text: str) -> None:
    with pytest.raises(NotStreamable):
        list(write(tmp_path, text).fetch_batches())


def test_a_missing_file_read_in_pieces_fails_as_the_whole_reading_does(tmp_path: Path) -> None:
    source = CsvSource(path=tmp_path / "gone.csv")
    with pytest.raises(SourceError) as caught:
        list(source.fetch_batches())
    assert caught.value.problem == "file not found"


def test_a_currency_column_read_in_pieces_gives_the_currencies_of_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitor.sources.csv_pieces, "CHUNK_BYTES", 60)
    source = write(
        tmp_path,
        "account,symbol,asset_class,value,currency\n"
        + "".join(
            f"acct-{n},SYM{m},stocks,{n + m + 1},{('usd', 'EUR', '')[m]}\n"
            for n in range(4)
            for m in range(3)
        ),
    )
    pieces = list(source.fetch_batches())
    assert len(pieces) > 3
    streamed = [(h.account, h.symbol, h.currency) for piece in pieces for h in piece]
    assert streamed == [(h.account, h.symbol, h.currency) for h in source.fetch()]
    assert {currency for _, _, currency in streamed} == {"USD", "EUR", None}


def test_a_currency_that_is_not_a_code_is_to_be_read_whole(tmp_path: Path) -> None:
    source = write(tmp_path, "symbol,asset_class,value,currency\nVTI,stocks,600,euro\n")
    with pytest.raises(NotStreamable):
        list(source.fetch_batches())
