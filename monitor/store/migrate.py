"""The schema's revision: apply the migrations, roll them back, or check where it stands.

Alembic is configured here in code, so this works from a wheel as well as from the source
tree: the migrations live in ``migrations/`` beside the package, and the wheel carries them
inside it, as ``monitor/migrations``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from monitor.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parents[1]  # monitor/
# Replicas starting together against one PostgreSQL take turns to migrate.
MIGRATION_LOCK_KEY = 0x616C6C6F63  # "alloc"
# The newest migration's revision: a daemon starting on a database already at it needs no
# Alembic, which it would otherwise carry for good (about 10 MB of its idle memory).
# tests/store/test_migrate.py holds it equal to the head of migrations/.
SCHEMA_HEAD = "0007"


def script_location() -> Path:
    """The migrations the wheel carries inside the package, else the source tree's, beside it
    (judged by ``env.py``: a folder left holding only ``__pycache__`` is no migrations)."""
    shipped = PACKAGE / "migrations"
    return shipped if (shipped / "env.py").is_file() else PACKAGE.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = scripts().get_current_head()
    assert head is not None  # the package ships at least the initial migration
    return head


def revision_of(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    """The schema's revision, or None for a database without one (never migrated)."""
    with engine.connect() as connection:
        return revision_of(connection)


def refuse_unknown(revision: str | None) -> None:
    if revision is None:
        return
    known = {script.revision for script in scripts().walk_revisions()}
    if revision not in known:
        raise StoreError(
            f"the database schema is at revision {revision!r}, which this version of "
            "allocation-monitor does not know: it was migrated by a newer version. "
            "Run that version, or downgrade the database with it first"
        )


def begin_migration(connection: Connection) -> None:
    """Make the migration one transaction that other processes wait for.

    PostgreSQL's DDL is transactional already; the advisory lock makes replicas take turns.
    On SQLite the driver runs DDL outside any transaction unless one was begun explicitly,
    so a process killed halfway would leave some tables and no revision, and every later
    start would fail on "table already exists". ``BEGIN IMMEDIATE`` makes the whole
    migration atomic, and takes the write lock so that processes sharing the file take turns.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        connection.execute(text("BEGIN IMMEDIATE"))


def at_head(engine: Engine) -> bool:
    """Whether the schema is at ``SCHEMA_HEAD``, read without Alembic."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return list(stored) == [SCHEMA_HEAD]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the latest by default); refuse a newer schema."""
    if revision == "head" and at_head(engine):
        return
    from alembic import command

    with engine.begin() as connection:
        begin_migration(connection)
        before = revision_of(connection)
        refuse_unknown(before)
        command.upgrade(alembic_config(connection), revision)
        after = revision_of(connection)
    if after != before:
        log.info("database schema upgraded from %s to revision %s", before or "nothing", after)


def downgrade(engine: Engine, revision: str) -> None:
    """Roll the schema back to ``revision`` (``"base"`` drops every table)."""
    from alembic import command

    with engine.begin() as connection:
        begin_migration(connection)
        refuse_unknown(revision_of(connection))
        command.downgrade(alembic_config(connection), revision)


def require_current(engine: Engine) -> None:
    """For commands that only read: the schema must be exactly the one this code knows."""
    revision = current_revision(engine)
    refuse_unknown(revision)
    if revision is None:
        raise StoreError(
            "the database has no schema yet; run `allocation-monitor db upgrade` "
            "(the daemon does so when it starts)"
        )
    head = head_revision()
    if revision != head:
        raise StoreError(
            f"the database schema is at revision {revision!r}, older than this code's "
            f"{head!r}; run `allocation-monitor db upgrade`"
        )
