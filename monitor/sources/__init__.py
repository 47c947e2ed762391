"""Holdings sources, one module per kind, chosen by ``kind`` in a portfolio's config.

This module is the public plugin API: the names in ``__all__`` are what a third party's
source kind imports, and they keep their meaning across versions (the modules behind them
may move). A plugin is a ``SourceOptions`` subclass declaring ``kind: Literal["name"]``
and its options as fields, exposed under the ``allocation_monitor.sources`` entry-point
group; its ``fetch`` returns ``Holding`` values made by ``make_holding``, which checks one
holding's raw fields and raises a ``ValueError`` naming the field it refuses; anything that
keeps a fetch from delivering is raised as ``SourceError(self.describe(), problem)``::

    from typing import Literal

    from monitor.sources import Holding, SourceError, SourceOptions, make_holding

    class StaticSource(SourceOptions):
        kind: Literal["static"] = "static"
        value: int

        def fetch(self) -> list[Holding]:
            try:
                return [make_holding("AAPL", "stocks", value=self.value, where="AAPL")]
            except ValueError as error:
                raise SourceError(self.describe(), str(error)) from None

``source_kinds`` (every kind known) and ``read_holdings_file`` (``check``'s reader) are the
monitor's own, not part of that API.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, get_args

from monitor.domain.allocation import Holding, make_holding
from monitor.errors import InputError, SourceError
from monitor.sources.base import SourceOptions
from monitor.sources.csv import parse_any_csv
from monitor.sources.files import file_problem, read_text
from monitor.sources.json import parse_json_holdings
from monitor.sources.yaml import parse_yaml_holdings

if TYPE_CHECKING:
    from monitor.sources.ledger import BeancountSource
    from monitor.sources.ofx import OfxSource

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "allocation_monitor.sources"


def builtin_kinds() -> tuple[type[SourceOptions], ...]:
    """The kinds the monitor ships, imported when a config first names a source: the SQL
    kind brings SQLAlchemy and the HTTP kind httpx, which a command reading no configured
    source (``check``, ``--help``) should not wait for."""
    from monitor.sources.command import CommandSource
    from monitor.sources.csv import CsvSource
    from monitor.sources.http import HttpSource
    from monitor.sources.json import JsonSource
    from monitor.sources.ledger import BeancountSource
    from monitor.sources.ofx import OfxSource
    from monitor.sources.sql import SqlSource
    from monitor.sources.yaml import YamlSource

    return (
        CsvSource,
        JsonSource,
        YamlSource,
        HttpSource,
        SqlSource,
        CommandSource,
        OfxSource,
        BeancountSource,
    )


def kind_name(model: type[SourceOptions]) -> str | None:
    """``"csv"`` for a model declaring ``kind: Literal["csv"]``; None if it declares none."""
    names = get_args(model.model_fields["kind"].annotation)
    return names[0] if len(names) == 1 and isinstance(names[0], str) else None


def load_plugin(entry: EntryPoint) -> tuple[str, type[SourceOptions]] | None:
    """A plugin's kind and options model, or None (with a warning) if it cannot be used."""
    try:
        model = entry.load()
    except Exception as error:  # whatever a broken plugin raises, the other kinds still work
        log.warning(
            "source kind plugin %r (%s) failed to load and is skipped: %s: %s",
            entry.name,
            entry.value,
            type(error).__name__,
            error,
        )
        return None
    name = (
        kind_name(model) if isinstance(model, type) and issubclass(model, SourceOptions) else None
    )
    if name is None:
        log.warning(
            "source kind plugin %r (%s) is skipped: it is not a SourceOptions subclass "
            'declaring kind: Literal["its-name"]',
            entry.name,
            entry.value,
        )
        return None
    return name, model


@functools.cache
def source_kinds() -> Mapping[str, type[SourceOptions]]:
    """Every kind this installation knows: built-in ones, then installed plugins.

    Scanned once per process: the scan reads every installed distribution's metadata, and
    settings are validated through it on every config load.
    """
    kinds = {name: model for model in builtin_kinds() if (name := kind_name(model))}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        plugin = load_plugin(entry)
        if plugin is None:
            continue
        name, model = plugin
        if name in kinds:
            log.warning(
                "source kind plugin %r (%s) is skipped: kind %r is already provided by %s",
                entry.name,
                entry.value,
                name,
                kinds[name].__module__,
            )
            continue
        kinds[name] = model
    return MappingProxyType(kinds)


HOLDINGS_FILE_PARSERS = {
    ".csv": parse_any_csv,
    ".json": parse_json_holdings,
    ".yaml": parse_yaml_holdings,
    ".yml": parse_yaml_holdings,
}


# Statements and ledgers, read by their libraries from the file itself.
STATEMENT_SUFFIXES = {".ofx": "ofx", ".qfx": "ofx", ".beancount": "beancount"}


def statement_kind(suffix: str) -> type[OfxSource | BeancountSource] | None:
    """The kind that reads a statement or ledger of this suffix, imported only then:
    ofxtools and beancount take a while to import, which ``check`` of a CSV need not."""
    name = STATEMENT_SUFFIXES.get(suffix)
    if name is None:
        return None
    from monitor.sources.ledger import BeancountSource
    from monitor.sources.ofx import OfxSource

    return OfxSource if name == "ofx" else BeancountSource


def read_holdings_file(path: Path) -> list[Holding]:
    """A holdings file of any kind that ``check`` reads, chosen by its suffix."""
    # Before the suffix: a folder or a missing file has no format to tell.
    problem = file_problem(path)
    if problem is not None:
        raise InputError("--holdings", problem)
    kind = statement_kind(path.suffix.lower())
    if kind is not None:
        try:
            return kind(path=path).fetch()
        except SourceError as error:
            raise InputError("--holdings", str(error)) from None
    parser = HOLDINGS_FILE_PARSERS.get(path.suffix.lower())
    if parser is None:
        suffixes = [*HOLDINGS_FILE_PARSERS, *STATEMENT_SUFFIXES]
        raise InputError(
            "--holdings",
            f"cannot tell the format of {path.name}; "
            f"use a {', '.join(suffixes[:-1])} or {suffixes[-1]} file",
        )
    source = str(path)
    try:
        return parser(read_text(path, source), source)
    except SourceError as error:
        raise InputError("--holdings", str(error)) from None


__all__ = ["Holding", "SourceError", "SourceOptions", "make_holding"]
