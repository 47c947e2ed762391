"""Engines: SQLite set up for several writers; unreachable databases in one plain line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.errors import StoreError
from monitor.store.engine import make_engine


def test_sqlite_creates_the_files_folder_and_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "monitor.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert connection.scalar(text("PRAGMA busy_timeout")) == 30_000
    engine.dispose()
    assert path.exists()


def test_an_unreachable_postgresql_is_one_line_naming_host_and_port() -> None:
    engine = make_engine("postgresql+psycopg://monitor:s3cret@127.0.0.1:1/monitor")
    with pytest.raises(StoreError) as raised, engine.connect():
        pass
    message = str(raised.value)
    assert message.startswith("cannot reach the database server at 127.0.0.1:1 (")
    assert "\n" not in message
    assert "s3cret" not in message
    assert "monitor:****@127.0.0.1:1" in message


def test_a_sqlite_file_that_cannot_be_opened_is_one_line_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "is-a-folder.db"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder}")
    with pytest.raises(StoreError) as raised, engine.connect():
        pass
    assert str(raised.value) == (
        f"cannot open the SQLite database file {folder}: unable to open database file"
    )


def test_an_unsupported_database_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        make_engine("mysql://u:p@db/x")


def test_text_that_is_not_a_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(StoreError, match=r"database\.url is not a database URL") as raised:
        make_engine("my secret password")
    assert "secret" not in str(raised.value)


def test_a_full_sqlite_database_is_one_line_naming_its_file(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE filler (data BLOB)")
    # SQLite's own page limit raises the error a full disk does (SQLITE_FULL).
    with pytest.raises(StoreError) as raised, engine.begin() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        connection.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
        connection.exec_driver_sql("INSERT INTO filler VALUES (zeroblob(100000))")
    engine.dispose()
    assert str(raised.value) == f"database or disk is full: {path}"
