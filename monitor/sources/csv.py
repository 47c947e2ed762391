"""Holdings from a CSV file, re-read every tick: the ``csv`` source kind.

A file of the monitor's own columns is parsed by ``csv_parsing`` (read whole) or
``csv_pieces`` (a piece at a time, for a tick). A broker's position export is read by
``monitor.sources.brokers`` instead (its ``format``, or known by its header).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

from pydantic import model_validator

from monitor.domain.allocation import Holding
from monitor.domain.classify import in_account
from monitor.errors import SourceError
from monitor.sources.base import Fetched, NotStreamable
from monitor.sources.brokers import Export, ExportFormat, generic, read_export
from monitor.sources.brokers.presets import SCHWAB
from monitor.sources.brokers.tables import csv_rows
from monitor.sources.csv_parsing import parse_csv
from monitor.sources.csv_pieces import plain_chunks
from monitor.sources.files import ExportFileOptions, all_matches, is_pattern, read_text


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
