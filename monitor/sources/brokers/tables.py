"""A broker's positions table read as holdings, past the noise around it.

Every export is a table of positions with noise around it: a byte-order mark (gone when the
file is read), title lines before the header, footers and disclaimers after the first blank
line, and rows that are no position (totals, subtotals, "Pending activity"). Each row left
out is counted, and named in debug output. Numbers are read as brokers write them
(``money.parse_amount``); a symbol's class comes from the export only where it has one (the
``generic`` format's ``asset_class`` column): otherwise the holding is ``Unclassified``, and
the entry's ``[classify]`` map gives it one.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from monitor.domain.allocation import Holding
from monitor.domain.classify import make_position
from monitor.errors import InputError, SourceError
from monitor.sources.base import check_unique
from monitor.sources.brokers.money import ABSENT, parse_amount

log = logging.getLogger(__name__)
T = TypeVar("T")

# Rows that are no position, by their symbol (or first) field.
NOISE = re.compile(r"^(pending activity|.*\bsub-?totals?\b.*|.*\btotals?\b.*)$", re.IGNORECASE)
TITLE_LINES = 20  # a header further down than this is no export's


@dataclass(frozen=True, slots=True)
class Columns:
    """Where an export keeps each figure: its header names (matched case-insensitively)."""

    symbol: str
    value: str | None = None
    quantity: str | None = None
    price: str | None = None
    account: str | None = None
    description: str | None = None
    type: str | None = None  # the broker's security type
    currency: str | None = None  # each position's currency; empty: the base currency
    asset_class: str | None = None  # only a generic export may have one

    def required(self) -> list[str]:
        """The names a header must have: the symbol, and the value or quantity and price."""
        figures = [self.value] if self.value else [self.quantity, self.price]
        return [self.symbol, *(name for name in figures if name)]


@dataclass(frozen=True, slots=True)
class Preset:
    """A broker's export: its columns, which lines it marks as cash, and where it dates
    itself (``as_of`` reads a line outside the table: a title or a footer)."""

    name: str
    columns: Columns
    is_cash: Callable[[Mapping[str, str]], bool] = lambda row: False
    as_of: Callable[[str], datetime | None] = lambda line: None
    # The account a file of one account names in its title (Schwab's), or None.
    account_of: Callable[[str], str | None] = lambda line: None
    symbol_of: Callable[[str], str] = str.strip
    # An export of many tables (Interactive Brokers'): the first fields of the line that
    # tells it (``Statement,Header``), and how it is read instead of ``read_table``.
    marker: tuple[str, ...] = ()
    read: Callable[[Preset, list[list[str]], str], Export] | None = None

    def header_of(self, rows: list[list[str]]) -> int | None:
        """The index of the header among the first rows, or None if it is not there."""
        if self.marker:
            size = len(self.marker)
            return next((i for i, row in enumerate(rows) if tuple(row[:size]) == self.marker), None)
        wanted = {name.lower() for name in self.columns.required()}
        for index, fields in enumerate(rows[:TITLE_LINES]):
            if wanted <= {name.strip().lower() for name in fields}:
                return index
        return None

    def read_rows(self, rows: list[list[str]], source: str) -> Export:
        return (self.read or read_table)(self, rows, source)


@dataclass(slots=True)
class Export:
    """What an export holds: its holdings, its own date, the account its title names (a
    file of one account), and the rows left out."""

    holdings: list[Holding]
    as_of: datetime | None = None
    account: str | None = None
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


def csv_rows(text: str, source: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise SourceError(source, f"not CSV: {error}") from None


def read_table(preset: Preset, rows: list[list[str]], source: str) -> Export:
    """The positions of ``rows`` (an export's CSV rows, title and footer lines included)."""
    start = preset.header_of(rows)
    if start is None:
        raise SourceError(
            source,
            f"not a {preset.name} export: no header line with "
            f"{', '.join(preset.columns.required())} in its first {TITLE_LINES} lines",
        )
    header = [name.strip().lower() for name in rows[start]]
    end = next((i for i in range(start + 1, len(rows)) if not "".join(rows[i]).strip()), None)
    table = rows[start + 1 : end]
    outside = [*rows[:start], *([] if end is None else rows[end:])]
    export = Export(
        [],
        as_of=first_found(preset.as_of, outside),
        account=first_found(preset.account_of, rows[:start]),
    )
    export.skipped += [(i + 1, "title line") for i in range(start)]
    if end is not None:
        export.skipped += [(i + 1, "after the table") for i in range(end, len(rows))]

    def positions() -> Iterator[tuple[int, Holding]]:
        for number, fields in enumerate(table, start=start + 2):
            row = row_of(header, fields, number, source)
            symbol = row.get(preset.columns.symbol.lower(), "") or (fields[0] if fields else "")
            if NOISE.match(symbol.strip()):
                export.skipped.append((number, f"{symbol.strip()!r} row"))
                continue
            try:
                yield number, holding_of(preset, row, f"line {number}")
            except InputError as error:
                raise SourceError(source, str(error)) from None

    holdings = check_unique(positions(), source, label=lambda line: f"line {line}")
    export.holdings = holdings
    export.skipped.sort()
    log_left_out(export, source)
    return export


def log_left_out(export: Export, source: str) -> None:
    """Each line left out, named, and their count: in debug output only."""
    for number, why in export.skipped:
        log.debug("%s: line %d left out: %s", source, number, why)
    log.debug(
        "%s: %d holdings, %d lines left out", source, len(export.holdings), len(export.skipped)
    )


def first_found(read: Callable[[str], T | None], rows: list[list[str]]) -> T | None:
    """What ``read`` finds in the first of ``rows`` (lines outside the table) it reads."""
    for fields in rows:
        found = read(",".join(fields))
        if found is not None:
            return found
    return None


def row_of(header: list[str], fields: list[str], number: int, source: str) -> dict[str, str]:
    """A row by column name; trailing empty fields (a trailing comma) are no column."""
    while len(fields) > len(header) and not fields[-1].strip():
        fields = fields[:-1]
    if len(fields) > len(header):
        raise SourceError(source, f"line {number}: more fields than columns")
    return dict(zip(header, fields, strict=False))


def holding_of(preset: Preset, row: Mapping[str, str], where: str) -> Holding:
    """One position: its figures as the broker writes them, its class if the export has one."""
    columns = preset.columns

    def text(name: str | None) -> str:
        return "" if name is None else row.get(name.lower(), "").strip()

    def amount(name: str | None, label: str) -> object:
        return None if name is None else parse_amount(text(name), f"{where}: {label}")

    facts = {
        name: "" if found.lower() in ABSENT else found
        for name, found in (
            ("type", text(columns.type)),
            ("description", text(columns.description)),
        )
    }
    return make_position(
        preset.symbol_of(text(columns.symbol)),
        text(columns.asset_class),
        value=amount(columns.value, "value"),
        quantity=amount(columns.quantity, "quantity"),
        price=amount(columns.price, "price"),
        account=text(columns.account) or None,
        currency=text(columns.currency),
        facts=facts,
        cash=preset.is_cash(row),
        where=where,
    )
