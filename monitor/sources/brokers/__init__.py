"""Brokers' position exports: which format a file is in, and its holdings.

``format = "auto"`` (the CSV source's default) knows each preset by its header line; a file
in none of them is read as the monitor's own plain CSV. ``generic`` reads any table through
a ``columns`` mapping.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Literal

from monitor.errors import SourceError
from monitor.sources.brokers.ibkr import IBKR
from monitor.sources.brokers.presets import FIDELITY, SCHWAB, VANGUARD
from monitor.sources.brokers.tables import (
    TITLE_LINES,
    Columns,
    Export,
    Preset,
    csv_rows,
)

ExportFormat = Literal["auto", "generic", "fidelity", "schwab", "vanguard", "ibkr"]
# The order ``auto`` tries them in: the most particular header first.
PRESETS = {preset.name: preset for preset in (IBKR, SCHWAB, FIDELITY, VANGUARD)}
COLUMN_KEYS = (
    "symbol",
    "value",
    "quantity",
    "price",
    "account",
    "description",
    "type",
    "currency",
    "asset_class",
)


def detect(rows: list[list[str]]) -> Preset | None:
    """The preset whose header line is among the first rows, or None."""
    return next((p for p in PRESETS.values() if p.header_of(rows) is not None), None)


def generic(columns: Mapping[str, str]) -> Preset:
    """A preset for any table: ``columns`` maps our names (``symbol``, ``value`` or
    ``quantity`` and ``price``, ``account``...) to its header's. ``ValueError`` naming what
    the mapping lacks or does not know."""
    unknown = sorted(set(columns) - set(COLUMN_KEYS))
    if unknown:
        raise ValueError(
            f"columns: unknown key(s) {', '.join(unknown)}; known: {', '.join(COLUMN_KEYS)}"
        )
    if "symbol" not in columns:
        raise ValueError("columns: needs symbol, the column of each position's symbol")
    if "value" not in columns and not {"quantity", "price"} <= set(columns):
        raise ValueError("columns: needs value, or quantity and price")
    return Preset("generic", Columns(**columns))


def read_export(
    text: str, source: str, export_format: ExportFormat, columns: Mapping[str, str] | None
) -> Export | None:
    """The export's holdings; None for ``auto`` on a file in no broker's format (the
    caller reads it as a plain CSV)."""
    if export_format == "generic":
        if columns is None:
            raise SourceError(source, 'format = "generic" needs a columns mapping')
        preset: Preset | None = generic(columns)
    elif export_format == "auto":
        # Its first lines tell: a plain file of half a million rows is not read twice.
        preset = detect(head_rows(text))
    else:
        preset = PRESETS[export_format]
    return None if preset is None else preset.read_rows(csv_rows(text, source), source)


def head_rows(text: str) -> list[list[str]]:
    """The CSV rows of the first lines, as far as they read (a quoted field may go on)."""
    end = -1
    for _ in range(TITLE_LINES):  # no split of the whole text: it may be half a million rows
        end = text.find("\n", end + 1)
        if end < 0:
            break
    head = text if end < 0 else text[:end]
    try:
        return list(csv.reader(io.StringIO(head, newline="")))
    except csv.Error:
        return []


__all__ = ["Export", "ExportFormat", "generic", "read_export"]
