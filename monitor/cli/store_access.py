"""How commands open the store configured by ``database.url``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.settings import Settings
from monitor.store.engine import make_engine, session_factory
from monitor.store.migrate import require_current, upgrade


@contextmanager
def opened_engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database.url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def upgraded_engine(settings: Settings) -> Iterator[Engine]:
    """An engine on a database migrated to this code's schema, as ``run``, ``tick`` and
    ``serve`` start (the schema follows the code they run)."""
    with opened_engine(settings) as engine:
        upgrade(engine)
        yield engine


@contextmanager
def opened_session(settings: Settings) -> Iterator[Session]:
    """A session on a database whose schema is this code's; nothing is migrated here."""
    with opened_engine(settings) as engine:
        require_current(engine)
        with session_factory(engine)() as session:
            yield session
