"""Holdings from a SQL query through SQLAlchemy: one row per holding.

The query returns columns ``symbol``, ``asset_class``, and ``value`` or ``quantity`` and
``price``; an ``account`` column makes each account its own portfolio. It runs in a
transaction that is rolled back, so a source never writes to the database it reads.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, field_validator
from sqlalchemy import URL, CursorResult, Engine, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from monitor.databases import connect_args
from monitor.domain.allocation import Holding
from monitor.errors import SourceError
from monitor.masking import mask_secrets, redact_url, url_secrets
from monitor.sources.base import (
    SourceOptions,
    holdings_from_rows,
    missing_columns,
    resolve_path,
)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()  # ticks of several portfolios run in parallel threads


def engine_for(url: str) -> Engine:
    """One engine (and so one connection pool) per database URL, for the process's life."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            parsed = make_url(url)
            # pre_ping: a pooled connection idle since the last tick may have been dropped.
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args(parsed))
            _engines[url] = engine
        return engine


@atexit.register
def dispose_engines() -> None:
    """Close every pooled connection; the next fetch opens new ones."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def with_psycopg_driver(url: URL) -> URL:
    # postgres:// and postgresql:// would ask for psycopg2; psycopg 3 is what is installed.
    if url.drivername in ("postgres", "postgresql"):
        return url.set(drivername="postgresql+psycopg")
    return url


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for other databases, memory and URI names."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri"):
        return None
    return Path(url.database)


def verbatim(query: str) -> str:
    # text() reads ":name" as a bind parameter; a source's query has none, and a colon in
    # it (a PostgreSQL ::cast, a '10:30' literal) must reach the database as written.
    return query.replace(":", "\\:")


class SqlSource(SourceOptions):
    kind: Literal["sql"] = "sql"
    # repr=False: the URL may carry a password, and options get logged by repr.
    url: str = Field(repr=False)
    query: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def sqlalchemy_url(cls, url: str) -> str:
        # Messages leave the URL out: it may hold a password.
        try:
            parsed = with_psycopg_driver(make_url(url))
        except ArgumentError:
            raise ValueError(
                "not a database URL; write e.g. sqlite:///holdings.db or "
                "postgresql://user:password@host/database"
            ) from None
        try:
            parsed.get_dialect()
        except NoSuchModuleError:
            raise ValueError(f"unknown database kind {parsed.drivername!r}") from None
        return parsed.render_as_string(hide_password=False)

    def describe(self) -> str:
        return f"sql {redact_url(self.url)}"

    def resolve_paths(self, base: Path) -> Self:
        url = make_url(self.url)
        path = sqlite_file(url)
        if path is None or path.is_absolute():
            return self
        resolved = url.set(database=str(resolve_path(path, base)))
        return self.model_copy(update={"url": resolved.render_as_string(hide_password=False)})

    def preflight(self) -> list[tuple[str, str]]:
        path = sqlite_file(make_url(self.url))
        if path is not None and not path.is_file():
            return [("url", f"database file not found: {path}")]
        return []

    def fetch(self) -> list[Holding]:
        source = self.describe()
        path = sqlite_file(make_url(self.url))
        # SQLite would create a missing file, and the query would then find no table.
        if path is not None and not path.is_file():
            raise SourceError(source, f"database file not found: {path}")
        try:
            engine = engine_for(self.url)
        except ImportError as error:
            raise SourceError(source, f"no driver for this database: {error}") from None
        try:
            connection = engine.connect()
        except DBAPIError as error:
            raise SourceError(source, f"cannot connect: {self._reason(error)}") from None
        with connection:
            try:
                return self._read(connection.execute(text(verbatim(self.query))), source)
            except DBAPIError as error:
                raise SourceError(source, f"query failed: {self._reason(error)}") from None

    def _read(self, result: CursorResult[Any], source: str) -> list[Holding]:
        if not result.returns_rows:
            raise SourceError(source, "the query returns no rows; it must be a SELECT")
        names = result.keys()  # the result's columns; iterating the result gives rows
        columns = [str(name).strip().lower() for name in names]
        missing = missing_columns(columns)
        if missing:
            raise SourceError(
                source,
                f"the query's result lacks column(s) {', '.join(missing)}; "
                f"it has {', '.join(columns)}",
            )
        rows = (
            (f"row {n}", dict(zip(columns, row, strict=True))) for n, row in enumerate(result, 1)
        )
        return holdings_from_rows(rows, source)

    def _reason(self, error: DBAPIError) -> str:
        """The driver's own words, on one line, without the password."""
        return mask_secrets(" ".join(str(error.orig).split()), url_secrets(self.url))
