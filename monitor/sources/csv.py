"""Holdings from a CSV file, re-read every tick.

Columns: ``symbol,asset_class,value`` or ``symbol,asset_class,quantity,price``; an optional
``account`` column makes each account its own portfolio.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

from monitor.allocation import Holding
from monitor.errors import InputError, SourceError
from monitor.sources.base import check_unique, holding_from_row, missing_columns
from monitor.sources.files import FileSourceOptions, read_text


def plain_holding(fields: list[str], columns: Columns) -> Holding | None:
    """What ``make_holding`` makes of a row whose fields are plainly valid, without its
    error paths; None for anything less plain, which ``make_holding`` then names.

    A tick of a 10,000-account export reads half a million rows: this is their common case.
    """
    symbol = fields[columns.symbol].strip()
    asset_class = fields[columns.asset_class].strip().lower()
    if not symbol or not asset_class:
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


def parse_csv(text: str, source: str) -> list[Holding]:
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
    columns = Columns.of(header)
    width = len(header)

    def holdings() -> Iterator[tuple[int, Holding]]:
        for fields in reader:
            if len(fields) != width:
                where = f"line {reader.line_num}"
                if not fields:
                    continue  # an empty line
                side = "more" if len(fields) > width else "fewer"
                raise SourceError(source, f"{where}: {side} fields than columns")
            holding = plain_holding(fields, columns)
            if holding is None:
                if not any(value.strip() for value in fields):
                    continue  # a line of empty fields
                try:
                    where = f"line {reader.line_num}"
                    holding = holding_from_row(dict(zip(header, fields, strict=True)), where)
                except InputError as error:
                    raise SourceError(source, str(error)) from None
            yield reader.line_num, holding

    try:
        return check_unique(holdings(), source, label=line_label)
    except csv.Error as error:
        raise SourceError(source, f"line {reader.line_num}: {error}") from None


class CsvSource(FileSourceOptions):
    kind: Literal["csv"] = "csv"

    def fetch(self) -> list[Holding]:
        return parse_csv(read_text(self.path, self.describe()), self.describe())
