"""Holdings from a CSV file, re-read every tick.

Columns: ``symbol,asset_class,value`` or ``symbol,asset_class,quantity,price``; an optional
``account`` column makes each account its own portfolio.

An adviser's export can hold half a million rows, read every tick. A file whose every row is
plain (the usual case) is read a batch of rows at a time, a column at a time, in loops that
run in C (split at commas by ``str.split`` when nothing in the file needs the CSV reader);
anything else sends the file down the row-by-row reading, which names the line and the field
that is wrong. All give the same holdings (``tests/sources/test_csv_plain_rows``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from itertools import compress, count, islice, pairwise
from operator import methodcaller, mul, ne, sub
from sys import intern
from typing import TYPE_CHECKING, Literal, NamedTuple

from monitor.domain.allocation import Holding
from monitor.domain.numbers import CENT, LIMIT
from monitor.errors import InputError, SourceError
from monitor.sources.base import check_unique, holding_from_row, missing_columns
from monitor.sources.files import FileSourceOptions, read_text

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

PLAIN_BATCH = 10_000  # rows turned into holdings at once, a column at a time


def plain_holding(fields: list[str], columns: Columns) -> Holding | None:
    """What ``make_holding`` makes of a row whose fields are plainly valid, without its
    error paths; None for anything less plain, which ``make_holding`` then names.

    A tick of a 10,000-account export reads half a million rows: this is their common case.
    """
    symbol = fields[columns.symbol].strip()
    asset_class = fields[columns.asset_class].strip().lower()
    if not symbol or not asset_class or ":" in asset_class:  # weights: make_holding reads them
        return None
    value = fields[columns.value] if columns.value is not None else ""
    quantity = fields[columns.quantity] if columns.quantity is not None else ""
    price = fields[columns.price] if columns.price is not None else ""
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
    # make_holding refuses numbers too large for the store (not a product of two of them).
    if any(n is not None and n >= LIMIT for n in (amount if value else None, qty, px)):
        return None
    if value and qty is not None and px is not None and abs(amount - qty * px) > CENT:
        return None  # make_holding says the figures disagree
    account = fields[columns.account].strip() if columns.account is not None else ""
    return Holding(
        symbol=symbol,
        asset_class=asset_class,
        value=amount,
        quantity=qty,
        price=px,
        account=account or None,
    )


class Columns(NamedTuple):
    """Where each field is in a row (None: no such column)."""

    symbol: int
    asset_class: int
    value: int | None
    quantity: int | None
    price: int | None
    account: int | None

    @classmethod
    def of(cls, header: list[str]) -> Columns:
        where = {name: index for index, name in enumerate(header)}
        return cls(
            where["symbol"],
            where["asset_class"],
            where.get("value"),
            where.get("quantity"),
            where.get("price"),
            where.get("account"),
        )


def line_label(line: object) -> str:
    return f"line {line}"


class NotPlain(Exception):
    """A batch holds something the row-by-row reading must look at."""


Fields = list[str] | tuple[str, ...]  # one column of a batch of rows


def decimals(raw: Fields | None, size: int) -> list[Decimal | None]:
    """A column as Decimals: all given, or none (Nones); mixed is not plain."""
    if raw is None or not any(raw):
        return [None] * size
    if not all(raw):
        raise NotPlain
    # Quantities repeat (round lots), and prices across accounts: each distinct text is
    # parsed once and its rows share the Decimal (faster, and 100 bytes less a row).
    distinct = set(raw)
    if len(distinct) * 4 > len(raw):
        return list(map(Decimal, raw))
    parsed = dict(zip(distinct, map(Decimal, distinct), strict=True))
    return list(map(parsed.__getitem__, raw))


def acceptable(numbers: list[Decimal | None]) -> bool:
    """Finite, not negative (is_signed is also true of -0, left to the general path) and
    below the limit of every number the monitor takes, as ``make_holding`` reads them."""
    if not numbers or numbers[0] is None:
        return True
    given: list[Decimal] = numbers  # type: ignore[assignment]  # all or none are None
    try:  # not infinite (-infinity is signed), and comparing a NaN raises
        return all(map(LIMIT.__gt__, given)) and not any(map(Decimal.is_signed, given))
    except InvalidOperation:
        return False


class SeenSymbols:
    """The symbols read in each account, to tell one given twice in an account. An
    account's rows usually come together: a run of them is added at once, as a set of
    interned strings (no (account, symbol) pair per row: a tenth of the reading)."""

    def __init__(self) -> None:
        self.by_account: dict[str | None, set[str]] = {}

    def add(self, accounts: list[str | None], symbols: list[str]) -> bool:
        """Add a batch's rows; False if a symbol was already read in its account."""
        changes = compress(count(1), map(ne, accounts[1:], accounts[:-1]))
        for start, stop in pairwise([0, *changes, len(accounts)]):
            seen = self.by_account.setdefault(accounts[start], set())
            before = len(seen)
            seen.update(symbols[start:stop])
            if len(seen) != before + stop - start:
                return False
        return True


def plain_batch(fields: list[Fields], columns: Columns, seen: SeenSymbols) -> list[Holding]:
    """The holdings of a batch of rows (``fields``: its columns) that are all plain, made a
    column at a time (the loops run in C), their symbols added to ``seen``; ``NotPlain`` if
    any row is not plain or repeats a symbol of its account."""
    size = len(fields[0])

    def column(index: int | None) -> Fields | None:
        return None if index is None else fields[index]

    # Interned: an export repeats the same few classes, symbols and accounts on every row,
    # and half a million copies of "stocks" would cost tens of megabytes.
    symbols = list(map(intern, map(str.strip, fields[columns.symbol])))
    classes = list(map(intern, map(str.lower, map(str.strip, fields[columns.asset_class]))))
    if not (all(symbols) and all(classes)):
        raise NotPlain
    if any(":" in label for label in classes):  # weights (stocks:60;bonds:40): make_holding
        raise NotPlain
    values = column(columns.value)
    try:
        quantities = decimals(column(columns.quantity), size)
        prices = decimals(column(columns.price), size)
        amounts: list[Decimal | None]
        agreeing = None  # what the values must be, given with quantities and prices
        if values is not None and all(values):
            amounts = list(map(Decimal, values))
            checked = [amounts, quantities, prices]
            if quantities[0] is not None and prices[0] is not None:
                agreeing = list(map(mul, quantities, prices))
        elif (values is None or not any(values)) and quantities[0] is not None:
            if prices[0] is None:
                raise NotPlain
            amounts = list(map(mul, quantities, prices))
            # A product of finite numbers that are not negative is neither (rounded by
            # the context, as make_holding's product is, which may reach the limit): its
            # factors are checked.
            checked = [quantities, prices]
        else:
            raise NotPlain
    except InvalidOperation:
        raise NotPlain from None
    if not all(map(acceptable, checked)):
        raise NotPlain
    if agreeing is not None and any(map(CENT.__lt__, map(abs, map(sub, amounts, agreeing)))):
        raise NotPlain  # a value that quantity x price contradicts: make_holding says so
    raw_accounts = column(columns.account)
    accounts: list[str | None] = (
        [None] * size if raw_accounts is None else list(map(intern, map(str.strip, raw_accounts)))
    )
    if not all(accounts):  # an empty account is none
        accounts = [account or None for account in accounts]
    if not seen.add(accounts, symbols):
        raise NotPlain
    return list(map(Holding, symbols, classes, amounts, quantities, prices, accounts))


def simple_lines(text: str) -> list[str] | None:
    """The lines of a text that ``csv.reader`` splits only at commas and line feeds: no
    quotes, carriage returns or NULs, no line over the reader's field size limit. None
    for any other text."""
    if '"' in text or "\r" in text or "\x00" in text:
        return None
    lines = text.split("\n")
    if len(text) > csv.field_size_limit() and max(map(len, lines)) > csv.field_size_limit():
        return None
    return lines


def split_batches(lines: list[str], width: int) -> Iterator[list[Fields]]:
    """The columns of each batch of data rows of ``simple_lines``, the reader's rows made
    by ``str.split``: a batch of lines split at once, each column a slice of the fields
    (about twice as fast as the reader and ``zip``); ``NotPlain`` for a row of another
    width."""
    rows = filter(None, islice(lines, 1, None))  # the reader skips empty lines too
    commas = methodcaller("count", ",")
    while batch := list(islice(rows, PLAIN_BATCH)):
        if set(map(commas, batch)) != {width - 1}:
            raise NotPlain
        flat = ",".join(batch).split(",")
        yield [flat[index::width] for index in range(width)]


def reader_batches(reader: CsvReader, width: int) -> Iterator[list[Fields]]:
    """The columns of each batch of data rows, as ``csv.reader`` reads them; ``NotPlain``
    for a row of another width."""
    while batch := list(islice(reader, PLAIN_BATCH)):
        if any(len(fields) != width for fields in batch):
            batch = [fields for fields in batch if fields]  # empty lines are skipped
            if any(len(fields) != width for fields in batch):
                raise NotPlain
            if not batch:
                continue
        yield list(zip(*batch, strict=True))


def plain_file(text: str, source: str) -> list[Holding] | None:
    """Every holding, if every row is plain and every symbol unique in its account; else
    None, and the caller reads the file row by row to say what is wrong where."""
    lines = simple_lines(text)
    if lines is None:
        reader, header = open_csv(text, source)
        batches = reader_batches(reader, len(header))
    else:  # the header is the first line (no reader over the whole text: 70 MB less)
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
    width = len(header)

    def holdings_read() -> Iterator[tuple[int, Holding]]:
        for fields in reader:
            line = reader.line_num
            if len(fields) != width:
                if not fields:
                    continue  # an empty line
                side = "more" if len(fields) > width else "fewer"
                raise SourceError(source, f"line {line}: {side} fields than columns")
            holding = plain_holding(fields, columns)
            if holding is None:
                if not any(value.strip() for value in fields):
                    continue  # a line of empty fields
                try:
                    holding = holding_from_row(
                        dict(zip(header, fields, strict=True)), f"line {line}"
                    )
                except InputError as error:
                    raise SourceError(source, str(error)) from None
            yield line, holding

    try:
        return check_unique(holdings_read(), source, label=line_label)
    except csv.Error as error:
        raise SourceError(source, f"line {reader.line_num}: {error}") from None


class CsvSource(FileSourceOptions):
    kind: Literal["csv"] = "csv"

    def fetch(self) -> list[Holding]:
        return parse_csv(read_text(self.path, self.describe()), self.describe())
