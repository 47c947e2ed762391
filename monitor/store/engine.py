"""Engines and sessions for the embedded SQLite file or a PostgreSQL server.

A database that cannot be reached, or a SQLite file on a full disk, surfaces as one
``StoreError`` line naming the server (or file), with any password masked, rather than as a
driver's stack trace.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from monitor.databases import connect_args
from monitor.errors import StoreError
from monitor.masking import redact_url

# Several threads write (ticks, the outbox drain, retention); a writer waits this long for
# another's transaction before SQLite gives up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000


def shown(url: URL) -> str:
    return redact_url(url.render_as_string(hide_password=False))


def parse_url(raw: str) -> URL:
    try:
        return make_url(raw)
    except ArgumentError:
        # The raw text may hold a password, so it is not echoed back.
        raise StoreError(
            "database.url is not a database URL; write e.g. sqlite:///var/allocation-monitor.db "
            "or postgresql+psycopg://user:password@host:5432/name"
        ) from None


def first_line(error: BaseException) -> str:
    """An error's first line of text, or its type's name: a database error's next lines are
    its statement and parameters (thousands of rows' worth)."""
    return first_text_line(str(error)) or type(error).__name__


def first_text_line(text: str) -> str:
    """The first line of ``text`` with something on it, stripped; "" if there is none."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def make_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` (WAL, foreign keys on) or ``postgresql+psycopg://``."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = sqlite_engine(parsed)
    elif backend == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args(parsed))
    else:
        raise StoreError(
            f"unsupported database {backend!r} in {shown(parsed)}; use sqlite or postgresql"
        )
    event.listen(engine, "handle_error", unusable_as_store_error)
    return engine


def sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create the folder of the SQLite file {database}: {error.strerror}"
            ) from None
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers (the API) run while a tick writes; foreign keys are off in
            # SQLite unless asked for, and the cascades on snapshot rows depend on them.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return engine


def sqlite_full(error: BaseException) -> bool:
    """SQLite's "database or disk is full": the disk, or the file's ``max_page_count``."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_FULL  # its primary code


def unusable_as_store_error(context: ExceptionContext) -> None:
    """Connection failures and a full SQLite disk become ``StoreError``; other statement
    errors pass through untouched."""
    if context.is_pre_ping or context.engine is None:
        return  # on a pre-ping, the pool retries with a fresh connection
    url = context.engine.url
    if sqlite_full(context.original_exception):
        # Said as plainly as an unreachable server, with the file to make room for.
        raise StoreError(f"database or disk is full: {url.database}") from None
    connecting = context.connection is None
    if not (connecting or context.is_disconnect):
        return
    reason = first_line(context.original_exception)
    if url.get_backend_name() == "sqlite":
        verb = "cannot open" if connecting else "lost"
        raise StoreError(f"{verb} the SQLite database file {url.database}: {reason}") from None
    verb = "cannot reach" if connecting else "lost the connection to"
    server = f"{url.host or 'localhost'}:{url.port or 5432}"
    raise StoreError(f"{verb} the database server at {server} ({shown(url)}): {reason}") from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose loaded rows stay readable after commit (no lazy reloads on access)."""
    return sessionmaker(engine, expire_on_commit=False)
