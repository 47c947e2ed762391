"""Holdings from a CSV file, re-read every tick.

Columns: ``symbol,asset_class,value`` or ``symbol,asset_class,quantity,price``; an optional
``account`` column makes each account its own portfolio, an optional ``currency`` column
names each holding's currency (empty: the portfolio's base currency). A broker's position
export is read by ``monitor.sources.brokers`` instead (its ``format``, or known by its
header).

An adviser's export can hold half a million rows, read every tick. A file whose every row is
plain (the usual case) is read a batch of rows at a time, a column at a time, in loops that
run in C (``csv_batches``; split at commas by ``str.split`` when nothing in the file needs
the CSV reader); anything else sends the file down the row-by-row reading, which names the
line and the field that is wrong. All give the same holdings
(``tests/sources/test_csv_plain_rows``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from pydantic import model_validator

from monitor.domain.allocation import Holding
from monitor.domain.classify import in_account
from monitor.domain.numbers import CENT, LIMIT
from monitor.errors import InputError, SourceError
from monitor.sources.base import (
    Fetched,
    NotStreamable,
    check_unique,
    holding_from_row,
    missing_columns,
)
from monitor.sources.brokers import Export, ExportFormat, generic, read_export
from monitor.sources.brokers.presets import SCHWAB
from monitor.sources.brokers.tables import csv_rows
from monitor.sources.csv_batches import (
    Columns,
    NotPlain,
    SeenSymbols,
    plain_batch,
    plain_code,
    reader_batches,
    simple_lines,
    split_batches,
    split_rows,
)
from monitor.sources.files import (
    ExportFileOptions,
    all_matches,
    is_pattern,
    read_text,
    reading,
)

if TYPE_CHECKING:
    from _csv import Reader as CsvReader


def plain_holding(fields: list[str], columns: Columns) -> Holding | None:
    """What ``make_holding`` makes of a row whose fields are plainly valid, without its
    error paths; None for anything less plain, which ``make_holding`` then names.

    A tick of a 10,000-account export reads half a million rows: this is their common case.
    """
    symbol = fields[columns.symbol].strip()
    asset_class = fields[columns.asset_class].strip().lower()
    if not symbol or not asset_class or ":" in asset_class:  # weights: make_holding reads them
        return None
    value = optional_field(fields, columns.value)
    quantity = optional_field(fields, columns.quantity)
    price = optional_field(fields, columns.price)
    qty: Decimal | None
    px: Decimal | None
    try:
        if value:
            amount = Decimal(value)
            qty = Decimal(quantity) if quantity else None
            px = Decimal(price) if price else None
            if (qty is not None and not qty.is_finite()) or (px is not None and not px.is_finite()):
                return None
        else:  # both needed: an empty one raises, and make_holding says which is missing
            qty = Decimal(quantity)
            px = Decimal(price)
            amount = qty * px  # not finite if either is not
    except InvalidOperation:
        return None
    # is_signed: negative (or -0, which make_holding then accepts on the general path).
    if (
        not amount.is_finite()
        or amount.is_signed()
        or (qty is not None and qty.is_signed())
        or (px is not None and px.is_signed())
    ):
        return None
    currency = optional_field(fields, columns.currency).strip().upper()
    # make_holding refuses numbers too large for the store (not a product of two of them),
    # and names what is wrong with a currency that is not a code.
    if not plain_code(currency) or any(
        n is not None and n >= LIMIT for n in (amount if value else None, qty, px)
    ):
        return None
    if value and qty is not None and px is not None and abs(amount - qty * px) > CENT:
        return None  # make_holding says the figures disagree
    account = optional_field(fields, columns.account).strip()
    return Holding(
        symbol=symbol,
        asset_class=asset_class,
        value=amount,
        quantity=qty,
        price=px,
        account=account or None,
        currency=currency or None,
    )


def optional_field(fields: list[str], index: int | None) -> str:
    """The row's field in that column, as it is; empty without such a column."""
    return "" if index is None else fields[index]


def line_label(line: object) -> str:
    return f"line {line}"


def plain_file(text: str, source: str) -> list[Holding] | None:
    """Every holding, if every row is plain and every symbol unique in its account; else
    None, and the caller reads the file row by row to say what is wrong where."""
    lines = simple_lines(text)
    if lines is None:
        reader, header = open_csv(text, source)
        batches = reader_batches(reader, len(header))
    else:  # the header is the first line: no reader over (a copy of) the whole text
        _, header = open_csv(lines[0], source)
        batches = split_batches(lines, len(header))
    columns = Columns.of(header)
    holdings: list[Holding] = []
    seen = SeenSymbols()
    try:
        for fields in batches:
            holdings += plain_batch(fields, columns, seen)
    except (csv.Error, NotPlain):
        return None
    return holdings or None


def open_csv(text: str, source: str) -> tuple[CsvReader, list[str]]:
    """A reader positioned after the header line, and the header (names lower-case)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, None) or []]
    except csv.Error as error:
        raise SourceError(source, f"line 1: {error}") from None
    if not header:
        raise SourceError(source, "the CSV file is empty; it needs a header line")
    missing = missing_columns(header)
    if missing:
        raise SourceError(
            source,
            f"line 1: missing column(s) {', '.join(missing)}; found {', '.join(header)}",
        )
    return reader, header


def parse_csv(text: str, source: str) -> list[Holding]:
    holdings = plain_file(text, source)
    # Something not plain: read it again row by row, to name the line that is wrong.
    return holdings if holdings is not None else read_row_by_row(text, source)


def read_row_by_row(text: str, source: str) -> list[Holding]:
    reader, header = open_csv(text, source)
    columns = Columns.of(header)

    def holdings_read() -> Iterator[tuple[int, Holding]]:
        for fields in reader:
            line = reader.line_num
            holding = row_holding(fields, header, columns, f"line {line}", source)
            if holding is not None:
                yield line, holding

    try:
        return check_unique(holdings_read(), source, label=line_label)
    except csv.Error as error:
        raise SourceError(source, f"line {reader.line_num}: {error}") from None


def row_holding(
    fields: list[str], header: list[str], columns: Columns, where: str, source: str
) -> Holding | None:
    """The holding of one row; None for an empty line, or a line of empty fields."""
    if len(fields) != len(header):
        if not fields:
            return None  # an empty line
        side = "more" if len(fields) > len(header) else "fewer"
        raise SourceError(source, f"{where}: {side} fields than columns")
    holding = plain_holding(fields, columns)
    if holding is not None:
        return holding
    if not any(value.strip() for value in fields):
        return None  # a line of empty fields
    try:
        return holding_from_row(dict(zip(header, fields, strict=True)), where)
    except InputError as error:
        raise SourceError(source, str(error)) from None


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


def parse_any_csv(text: str, source: str) -> list[Holding]:
    """A plain holdings file or a broker's export, whichever it is (``check``'s reader)."""
    export = read_export(text, source, "auto", None)
    return parse_csv(text, source) if export is None else export.holdings


class CsvSource(ExportFileOptions):
    kind: Literal["csv"] = "csv"
    # A broker's export ("fidelity", "schwab", "vanguard"), any table through ``columns``
    # ("generic"), or "auto": a broker's export known by its header, else the plain columns.
    format: ExportFormat = "auto"
    columns: dict[str, str] | None = None  # generic: our name -> its column
    # "newest": the newest file ``path`` matches; "each": every file it matches, a Schwab
    # export of one account each (the newest of each account), as the entry's accounts.
    files: Literal["newest", "each"] = "newest"

    @model_validator(mode="after")
    def columns_fit_the_format(self) -> Self:
        if self.format == "generic":
            if self.columns is None:
                raise ValueError('format = "generic" needs a columns mapping')
            generic(self.columns)  # refuses a mapping that cannot work, naming it
        elif self.columns is not None:
            raise ValueError('columns is for format = "generic"')
        if self.files == "each" and self.format not in ("auto", "schwab"):
            raise ValueError(
                'files = "each" reads Schwab exports, one file per account; '
                f'format = "{self.format}" names its accounts in a column: use one file'
            )
        return self

    def fetch(self) -> list[Holding]:
        if self.files == "each":
            return self.fetch_each()
        source = self.describe()
        path = self.current_file()
        text = read_text(path, source)
        export = read_export(text, source, self.format, self.columns)
        if export is None:
            return self.delivered(parse_csv(text, source), path, None, classified=True)
        return self.delivered(export.holdings, path, export.as_of, classified=False)

    def fetch_each(self) -> list[Holding]:
        """Each account's holdings, from the newest of its files (by the date in its title,
        then by the file's), as of that file's date (the whole as of the oldest of them).
        ``SourceError`` naming a file that names no account, or one older than ``max_age``."""
        newest: dict[str, tuple[datetime, Path, Export]] = {}
        for path in all_matches(self.path, self.describe()):
            source = f"{self.kind} {path}"
            export = SCHWAB.read_rows(csv_rows(read_text(path, source), source), source)
            if export.account is None:
                raise SourceError(
                    source,
                    'its title names no account ("Positions for account ... as of ..."); '
                    'files = "each" reads one Schwab export per account',
                )
            dated = export.as_of or datetime.fromtimestamp(path.stat().st_mtime, UTC)
            kept = newest.get(export.account)
            if kept is None or (dated, path.stat().st_mtime) > (kept[0], kept[1].stat().st_mtime):
                newest[export.account] = (dated, path, export)
        holdings: list[Holding] = []
        for account, (_, path, export) in sorted(newest.items()):
            self.check_fresh(path, export.as_of, f"{self.kind} {path}")
            holdings += (in_account(holding, account) for holding in export.holdings)
        dates = {a: export.as_of for a, (_, _, export) in newest.items() if export.as_of}
        return Fetched(
            holdings, min(dates.values(), default=None), classified=False, accounts_as_of=dates
        )

    def fetch_batches(self) -> Iterator[list[Holding]]:
        # Only a plain file of the monitor's own columns is read a piece at a time: a
        # broker's export, a glob's matches or a dated file is read whole by fetch.
        if (
            self.format != "auto"
            or self.files != "newest"
            or self.max_age is not None
            or is_pattern(self.path)
        ):
            raise NotStreamable
        yield from plain_chunks(self.path, self.describe())
