"""A CSV file of plain rows read a piece at a time, so that an export of any size is read
in the same memory (a tick then writes it a batch of accounts at a time).

Anything else (quotes, carriage returns, a broker's export, a row that is not plain, an
account whose rows come back) raises ``NotStreamable``: the tick reads the file whole
instead, through ``csv_parsing.parse_csv``, which names what is wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from monitor.domain.allocation import Holding
from monitor.errors import SourceError
from monitor.sources.base import NotStreamable
from monitor.sources.csv_batches import Columns, NotPlain, SeenSymbols, plain_batch, split_rows
from monitor.sources.csv_parsing import open_csv
from monitor.sources.files import reading

CHUNK_BYTES = 1 << 18  # of a file read a piece at a time: about 7,000 rows of an export


def plain_chunks(path: Path, source: str) -> Iterator[list[Holding]]:
    """The holdings of a file of plain rows, a piece of the file at a time, so that an
    export of any size is read in the same memory; ``NotStreamable`` (at once, or after
    some pieces) for a file that is anything else, or whose accounts' rows are not each
    together, as ``parse_csv`` has to read it."""
    with reading(source), path.open(encoding="utf-8-sig", newline="") as file:
        first = file.readline()
        if not simple_text(first):
            raise NotStreamable
        try:
            _, header = open_csv(first, source)
        except SourceError:  # not the plain columns: a broker's export, or an error to name
            raise NotStreamable from None
        columns = Columns.of(header)
        seen = SeenSymbols()
        given = False
        while lines := file.readlines(CHUNK_BYTES):
            if not simple_text(text := "".join(lines)):
                raise NotStreamable
            try:
                for fields in split_rows(text.split("\n"), len(header)):
                    holdings = plain_batch(fields, columns, seen)
                    # Accounts come one after another: only the last may go on. One that
                    # comes back is caught by the tick (which reads the file whole then).
                    seen.keep_last([h.account for h in holdings[-1:]])
                    given = True
                    yield holdings
            except NotPlain:
                raise NotStreamable from None
        if not given:
            raise NotStreamable  # no holdings: parse_csv says so


def simple_text(text: str) -> bool:
    """Lines that ``str.split`` reads as ``csv.reader`` would (see ``simple_lines``)."""
    limit = csv.field_size_limit()
    if '"' in text or "\r" in text or "\x00" in text:
        return False
    return len(text) <= limit or max(map(len, text.split("\n"))) <= limit
