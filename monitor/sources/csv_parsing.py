"""A CSV text of the monitor's own columns, parsed into holdings.

Columns: ``symbol,asset_class,value`` or ``symbol,asset_class,quantity,price``; an optional
``account`` column makes each account its own portfolio, an optional ``currency`` column
names each holding's currency (empty: the portfolio's base currency).

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
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from monitor.domain.allocation import Holding
from monitor.domain.numbers import CENT, LIMIT
from monitor.errors import InputError, SourceError
from monitor.sources.base import check_unique, holding_from_row, missing_columns
from monitor.sources.csv_batches import (
    Columns,
    NotPlain,
    SeenSymbols,
    plain_batch,
    plain_code,
    reader_batches,
    simple_lines,
    split_batches,
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
