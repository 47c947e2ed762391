"""Write transactions that cannot fail on SQLite's lock upgrade.

A SQLite transaction that reads before it writes takes the write lock only at its first
write; if another connection committed meanwhile, SQLite refuses at once ("database is
locked") without waiting. ``BEGIN IMMEDIATE`` takes the write lock up front, and waits for
it under the busy timeout. PostgreSQL needs nothing of the kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def write_transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session in a transaction that commits on success and rolls back on error."""
    with sessions.begin() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE"))
        yield session


def insert_or_skip(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    """This database's ``INSERT`` that offers ``on_conflict_do_nothing`` / ``_do_update``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
