"""Reading a holdings file, with the failure named plainly; what file kinds share."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from monitor.domain.allocation import Holding
from monitor.durations import Duration
from monitor.errors import SourceError
from monitor.sources.base import Fetched, SourceOptions, resolve_path


def read_text(path: Path, source: str) -> str:
    with reading(source):
        return path.read_text(encoding="utf-8-sig")


@contextmanager
def reading(source: str) -> Iterator[None]:
    """A file's failure to open or be read, as the ``SourceError`` that says it plainly."""
    try:
        yield
    except FileNotFoundError:
        raise SourceError(source, "file not found") from None
    except IsADirectoryError:
        raise SourceError(source, "is a folder, not a holdings file") from None
    except PermissionError:
        raise SourceError(source, "permission denied") from None
    except UnicodeDecodeError as error:
        raise SourceError(source, f"not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise SourceError(source, f"cannot read: {error.strerror}") from None


def is_pattern(path: Path) -> bool:
    return glob.has_magic(str(path))


def newest_match(path: Path, source: str) -> Path:
    """``path`` itself, or of the files its glob pattern matches the last modified (a
    broker writes a new export each day: ``Portfolio_Positions_*.csv``)."""
    if not is_pattern(path):
        return path  # a missing one is named when read
    return max(all_matches(path, source), key=lambda match: (match.stat().st_mtime, match.name))


def all_matches(path: Path, source: str) -> list[Path]:
    """``path`` itself, or the files its glob pattern matches, by name."""
    if not is_pattern(path):
        return [path]
    matches = sorted(Path(name) for name in glob.glob(str(path)) if Path(name).is_file())
    if not matches:
        raise SourceError(source, "no file matches the pattern")
    return matches


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file right now, or None."""
    if not path.exists():
        return f"file not found: {path}"
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if not os.access(path, os.R_OK):
        return f"permission denied: {path}"
    return None


class FileSourceOptions(SourceOptions):
    """A kind that re-reads one file every tick (csv, json, yaml)."""

    path: Path

    def describe(self) -> str:
        return f"{self.kind} {self.path}"

    def fetch_text(self) -> str:
        return read_text(self.path, self.describe())

    def resolve_paths(self, base: Path) -> Self:
        return self.model_copy(update={"path": resolve_path(self.path, base)})

    def preflight(self) -> list[tuple[str, str]]:
        problem = file_problem(self.path)
        return [] if problem is None else [("path", problem)]


class ExportFileOptions(FileSourceOptions):
    """A file another program writes anew (a broker's export, a ledger): ``path`` may be a
    glob pattern, whose newest match is read, and ``max_age`` refuses an old one."""

    # An export dated (by itself, else by its file) further back fails the tick.
    max_age: Duration | None = None

    def current_file(self) -> Path:
        return newest_match(self.path, self.describe())

    def delivered(
        self, holdings: list[Holding], path: Path, as_of: datetime | None, *, classified: bool
    ) -> list[Holding]:
        """The holdings with the date the file gives itself, if any, and whether each came
        with its class; ``SourceError`` for a file older than ``max_age``: a tick fails as
        if its source did, and the stale-data alert follows as for any failing source."""
        self.check_fresh(path, as_of, self.describe())
        if as_of is None and classified:
            return holdings
        return Fetched(holdings, as_of, classified=classified)

    def check_fresh(self, path: Path, as_of: datetime | None, source: str) -> None:
        """``SourceError`` for a file (dated by itself, else by its file) older than
        ``max_age``."""
        if self.max_age is None:
            return
        dated = as_of or datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if datetime.now(UTC) - dated > self.max_age:
            raise SourceError(
                source,
                f"the export is of {dated.isoformat(timespec='minutes')}, older than "
                f"max_age ({self.max_age}); download a new one",
            )

    def preflight(self) -> list[tuple[str, str]]:
        if not is_pattern(self.path):
            return super().preflight()
        return [] if glob.glob(str(self.path)) else [("path", f"no file matches {self.path}")]
