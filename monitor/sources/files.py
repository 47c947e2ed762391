"""Reading a holdings file, with the failure named plainly."""

from __future__ import annotations

from pathlib import Path

from monitor.errors import SourceError


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
