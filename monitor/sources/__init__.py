"""Holdings sources, one module per kind, chosen by ``kind`` in a portfolio's config.

Third parties add kinds by exposing a ``SourceOptions`` subclass (with a ``kind`` literal)
under the ``allocation_monitor.sources`` entry-point group.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from monitor.allocation import Holding
from monitor.errors import InputError, SourceError
from monitor.sources.base import SourceOptions
from monitor.sources.csv import CsvSource, parse_csv
from monitor.sources.files import read_text
from monitor.sources.json import JsonSource, parse_json_holdings

ENTRY_POINT_GROUP = "allocation_monitor.sources"
BUILTIN_KINDS: tuple[type[SourceOptions], ...] = (CsvSource, JsonSource)


def kind_name(model: type[SourceOptions]) -> str:
    return str(model.model_fields["kind"].default)


def source_kinds() -> dict[str, type[SourceOptions]]:
    """Every kind this installation knows: built-in ones, then installed plugins."""
    kinds = {kind_name(model): model for model in BUILTIN_KINDS}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        model = entry.load()
        if isinstance(model, type) and issubclass(model, SourceOptions):
            kinds.setdefault(kind_name(model), model)
    return kinds


def read_holdings_file(path: Path) -> list[Holding]:
    """A holdings file of any kind that ``check`` reads, chosen by its suffix."""
    parsers = {".csv": parse_csv, ".json": parse_json_holdings}
    parser = parsers.get(path.suffix.lower())
    if parser is None:
        raise InputError(
            "--holdings",
            f"cannot tell the format of {path.name}; use a {' or '.join(parsers)} file",
        )
    source = str(path)
    try:
        return parser(read_text(path, source), source)
    except SourceError as error:
        raise InputError("--holdings", str(error)) from None


__all__ = ["SourceOptions", "read_holdings_file", "source_kinds"]
