"""Reading a holdings file, with the failure named plainly; what file kinds share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from monitor.errors import SourceError
from monitor.sources.base import SourceOptions, resolve_path


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
