"""The Alembic environment, for ``monitor.store.migrate`` and for developers' ``alembic``.

The application hands over an open connection (``config.attributes["connection"]``); the
``alembic`` command line instead connects to the configured ``database.url``.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import Connection

from monitor.settings import load_settings
from monitor.store.engine import make_engine
from monitor.store.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        # SQLite alters a table by copying it; batch mode does that for ALTER-like steps.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_from_command_line() -> None:
    if context.config.config_file_name is not None:
        fileConfig(context.config.config_file_name)
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        config_file = os.environ.get("MONITOR_CONFIG")
        url = load_settings(Path(config_file) if config_file else None).database.url
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

given: Connection | None = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    run_from_command_line()
