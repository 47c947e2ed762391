"""Interactive Brokers' activity statement, as CSV: many tables in one file.

Each line starts with its table's name and its kind (``Open Positions,Header,...``,
``Open Positions,Data,...``, ``Open Positions,Total,...``). The positions are the
``Summary`` lines of "Open Positions" (a ``Lot`` line details one of them), valued at
``Value`` (quantity x multiplier x close price), in its ``Currency``; the cash is the "Cash
Report"'s ending cash in the statement's base currency ("Account Information"'s ``Base
Currency``); the statement is dated by its ``WhenGenerated`` line. Every other line is left
out, counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from monitor.domain.allocation import Holding
from monitor.domain.classify import make_position
from monitor.errors import InputError, SourceError
from monitor.sources.base import check_unique
from monitor.sources.brokers.money import parse_amount
from monitor.sources.brokers.presets import local_time
from monitor.sources.brokers.tables import Columns, Export, Preset, holding_of, log_left_out

POSITIONS = "Open Positions"
GENERATED = re.compile(r"(\d{4}-\d{2}-\d{2}), (\d{2}:\d{2}:\d{2}) ([A-Z]+)")
CASH_SYMBOL = "CASH"


def tables_of(rows: list[list[str]]) -> Iterator[tuple[int, str, str, dict[str, str]]]:
    """Each line as its number, its table, its kind, and its fields by its table's header."""
    headers: dict[str, list[str]] = {}
    for number, fields in enumerate(rows, start=1):
        table, kind = [*fields, "", ""][:2]
        if kind == "Header":
            headers[table] = [name.strip().lower() for name in fields[2:]]
        yield number, table, kind, dict(zip(headers.get(table, []), fields[2:], strict=False))


def generated_at(text: str) -> datetime | None:
    """``2026-12-03, 17:05:09 EST``."""
    found = GENERATED.fullmatch(text.strip())
    if found is None:
        return None
    return local_time(f"{found[1]} {found[2]}", ("%Y-%m-%d %H:%M:%S",), found[3])


def line_holding(
    preset: Preset, table: str, kind: str, row: dict[str, str], where: str, base: str
) -> Holding | None:
    """The holding of a positions' summary line or of the ending cash (in ``base``, the
    statement's base currency); None for the rest."""
    if kind != "Data":
        return None
    if table == POSITIONS and row.get("datadiscriminator", "Summary") == "Summary":
        return holding_of(preset, position_row(row), where)
    if table == "Cash Report" and (row.get("currency summary"), row.get("currency")) == (
        "Ending Cash",
        "Base Currency Summary",
    ):
        return cash(row.get("total", ""), where, base)
    return None


def read_statement(preset: Preset, rows: list[list[str]], source: str) -> Export:
    export = Export([])
    base = ""  # the statement's base currency, which its Account Information names first

    def holdings() -> Iterator[tuple[int, Holding]]:
        nonlocal base
        for number, table, kind, row in tables_of(rows):
            field = (table, row.get("field name"))
            if field == ("Statement", "WhenGenerated"):
                export.as_of = generated_at(row.get("field value", ""))
            if field == ("Account Information", "Base Currency"):
                base = row.get("field value", "").strip()
            try:
                holding = line_holding(preset, table, kind, row, f"line {number}", base)
            except InputError as error:
                raise SourceError(source, str(error)) from None
            if holding is None:
                export.skipped.append((number, f"{table} {kind}".strip() or "empty line"))
            else:
                yield number, holding

    export.holdings = check_unique(holdings(), source, label=lambda line: f"line {line}")
    log_left_out(export, source)
    return export


def position_row(row: dict[str, str]) -> dict[str, str]:
    if row.get("mult", "1").strip() not in ("", "1"):
        # Its value is quantity x multiplier x close price: the close price alone (an
        # option's) would not agree with it, so a plan trades it from value and quantity.
        return {**row, "close price": ""}
    return row


def cash(total: str, where: str, currency: str) -> Holding:
    return make_position(
        CASH_SYMBOL,
        "",
        value=parse_amount(total, f"{where}: total"),
        currency=currency,
        facts={"type": "Cash", "description": "Ending Cash"},
        cash=True,
        where=where,
    )


IBKR = Preset(
    "ibkr",
    Columns(
        symbol="Symbol",
        value="Value",
        quantity="Quantity",
        price="Close Price",
        description="Description",
        type="Asset Category",
        currency="Currency",
    ),
    marker=("Statement", "Header"),
    read=read_statement,
)
