"""Reading a holdings file, with the failure named plainly; what file kinds share."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Self

from monitor.errors import SourceError
from monitor.sources.base import SourceOptions, resolve_path


def read_text(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
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
        return path
    matches = [Path(name) for name in glob.glob(str(path)) if Path(name).is_file()]
    if not matches:
        raise SourceError(source, "no file matches the pattern")
    return max(matches, key=lambda match: (match.stat().st_mtime, match.name))


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

    def resolve_paths(self, base: Path) -> Self:
        return self.model_copy(update={"path": resolve_path(self.path, base)})

    def preflight(self) -> list[tuple[str, str]]:
        problem = file_problem(self.path)
        return [] if problem is None else [("path", problem)]
