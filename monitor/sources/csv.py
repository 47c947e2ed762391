"""Holdings from a CSV file, re-read every tick.

Columns: ``symbol,asset_class,value`` or ``symbol,asset_class,quantity,price``; an optional
``account`` column makes each account its own portfolio.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from monitor.allocation import Holding
from monitor.errors import SourceError
from monitor.sources.base import holdings_from_rows, missing_columns
from monitor.sources.files import FileSourceOptions, read_text


def parse_csv(text: str, source: str) -> list[Holding]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not header:
        raise SourceError(source, "the CSV file is empty; it needs a header line")
    reader.fieldnames = header
    missing = missing_columns(header)
    if missing:
        raise SourceError(
            source,
            f"line 1: missing column(s) {', '.join(missing)}; found {', '.join(header)}",
        )

    def rows() -> list[tuple[str, dict[str, str]]]:
        found = []
        for row in reader:
            if None in row:
                raise SourceError(source, f"line {reader.line_num}: more fields than columns")
            if any(value is None for value in row.values()):
                raise SourceError(source, f"line {reader.line_num}: fewer fields than columns")
            if not any(value.strip() for value in row.values()):
                continue  # a blank line
            found.append((f"line {reader.line_num}", row))
        return found

    try:
        parsed = rows()
    except csv.Error as error:
        raise SourceError(source, f"line {reader.line_num}: {error}") from None
    return holdings_from_rows(parsed, source)


class CsvSource(FileSourceOptions):
    kind: Literal["csv"] = "csv"

    def fetch(self) -> list[Holding]:
        return parse_csv(read_text(self.path, self.describe()), self.describe())
