"""The sql kind on a real SQLite file, and on PostgreSQL when MONITOR_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from monitor.errors import ConfigError
from monitor.sources.sql import SqlSource, dispose_engines, engine_for
from tests.fixtures.sources import LoadSource, failure, rows

PASSWORD = "s3cret-pass"
HOLDINGS_TABLE = """
CREATE TABLE holdings (account TEXT, symbol TEXT, asset_class TEXT, value, quantity, price);
INSERT INTO holdings VALUES ('alice', 'AAPL', 'stocks', 100, NULL, NULL);
INSERT INTO holdings VALUES ('alice', 'VOO', 'etfs', NULL, 2, 350.5);
INSERT INTO holdings VALUES ('bob', 'AAPL', 'Stocks', 50, NULL, NULL);
"""

POSTGRES_ROWS = "('a1', 'AAPL', 'stocks', '0.1'), ('a2', 'AAPL', 'etfs', '2')"


@pytest.fixture(autouse=True)
def fresh_engines() -> Iterator[None]:
    yield
    dispose_engines()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "holdings.db"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.executescript(HOLDINGS_TABLE)
    return path


def sqlite_source(path: Path, query: str) -> SqlSource:
    return SqlSource(url=f"sqlite:///{path}", query=query)


def test_a_query_gives_one_holding_per_row_with_its_account(database: Path) -> None:
    source = sqlite_source(database, "SELECT * FROM holdings ORDER BY rowid")
    assert rows(source.fetch()) == [
        ("alice", "AAPL", "stocks", Decimal(100)),
        ("alice", "VOO", "etfs", Decimal("701.0")),
        ("bob", "AAPL", "stocks", Decimal(50)),
    ]


def test_quantity_and_price_columns_give_their_product(database: Path) -> None:
    query = "SELECT symbol, asset_class, quantity, price FROM holdings WHERE symbol = 'VOO'"
    [holding] = sqlite_source(database, query).fetch()
    assert (holding.quantity, holding.price, holding.value) == (
        Decimal(2),
        Decimal("350.5"),
        Decimal("701.0"),
    )


def test_column_names_are_matched_in_any_case(database: Path) -> None:
    query = (
        'SELECT symbol AS "Symbol", asset_class AS "ASSET_CLASS", value AS "Value" FROM holdings'
    )
    assert len(sqlite_source(database, query + " WHERE value > 60").fetch()) == 1


def test_a_colon_in_the_query_reaches_the_database_as_written(database: Path) -> None:
    query = "SELECT 'a :b' AS symbol, 'stocks' AS asset_class, 1 AS value"
    assert [h.symbol for h in sqlite_source(database, query).fetch()] == ["a :b"]


def test_a_relative_sqlite_path_is_relative_to_the_config_file(
    database: Path, configured_source: LoadSource
) -> None:
    source = configured_source(
        '{ kind = "sql", url = "sqlite:///holdings.db", query = "SELECT * FROM holdings" }'
    )
    assert len(source.fetch()) == 3


def test_describe_and_repr_hide_the_password() -> None:
    source = SqlSource(url=f"postgresql://me:{PASSWORD}@127.0.0.1/db", query="SELECT 1")
    assert source.describe() == "sql postgresql+psycopg://me:****@127.0.0.1/db"
    assert PASSWORD not in repr(source)


def test_a_postgres_url_uses_the_installed_psycopg_driver() -> None:
    source = SqlSource(url="postgres://me@127.0.0.1/db", query="SELECT 1")
    assert source.url == "postgresql+psycopg://me@127.0.0.1/db"


def test_a_url_that_is_not_a_database_url_is_a_config_error(
    configured_source: LoadSource,
) -> None:
    with pytest.raises(ConfigError) as caught:
        configured_source('{ kind = "sql", url = "holdings.db", query = "SELECT 1" }')
    assert caught.value.problems == [
        "portfolios[p].source.url: not a database URL; write e.g. sqlite:///holdings.db "
        "or postgresql://user:password@host/database"
    ]


def test_an_unknown_database_kind_is_a_config_error(configured_source: LoadSource) -> None:
    with pytest.raises(ConfigError) as caught:
        configured_source('{ kind = "sql", url = "nosuchdb://h/db", query = "SELECT 1" }')
    assert caught.value.problems == ["portfolios[p].source.url: unknown database kind 'nosuchdb'"]


def test_a_missing_database_file_is_reported_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    assert failure(sqlite_source(path, "SELECT 1")) == f"database file not found: {path}"
    assert not path.exists()


def test_a_server_that_cannot_be_reached_is_reported_without_the_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://me:{PASSWORD}@127.0.0.1:{port}/db?connect_timeout=5"
    problem = failure(SqlSource(url=url, query="SELECT 1"))
    assert problem.startswith("cannot connect: ")
    assert "refused" in problem.lower()
    assert PASSWORD not in problem


def test_bad_sql_is_reported_in_the_database_s_words(database: Path) -> None:
    source = sqlite_source(database, "SELEKT * FROM holdings")
    assert failure(source) == 'query failed: near "SELEKT": syntax error'


def test_a_missing_table_is_reported(database: Path) -> None:
    source = sqlite_source(database, "SELECT * FROM positions")
    assert failure(source) == "query failed: no such table: positions"


def test_missing_columns_are_named(database: Path) -> None:
    source = sqlite_source(database, "SELECT symbol AS ticker, value FROM holdings")
    assert failure(source) == (
        "the query's result lacks column(s) symbol, asset_class; it has ticker, value"
    )


def test_a_statement_that_returns_no_rows_is_refused_and_changes_nothing(database: Path) -> None:
    assert failure(sqlite_source(database, "DELETE FROM holdings")) == (
        "the query returns no rows; it must be a SELECT"
    )
    assert len(sqlite_source(database, "SELECT * FROM holdings").fetch()) == 3


def test_a_row_with_text_in_value_names_its_row(database: Path) -> None:
    query = "SELECT 'AAPL' AS symbol, 'stocks' AS asset_class, 'lots' AS value"
    assert failure(sqlite_source(database, query)) == "row 1.value: expected a number, got 'lots'"


def test_a_row_without_value_or_quantity_names_its_row(database: Path) -> None:
    query = "SELECT symbol, asset_class, NULL AS value FROM holdings ORDER BY rowid LIMIT 1"
    assert failure(sqlite_source(database, query)) == (
        "row 1: a holding needs a value, or a quantity and a price"
    )


def test_a_value_that_quantity_times_price_contradicts_names_its_row(database: Path) -> None:
    query = "SELECT 'AAPL' symbol, 'stocks' asset_class, 5 AS value, 2 AS quantity, 3 AS price"
    assert failure(sqlite_source(database, query)).startswith(
        "row 1.value: 5 is not quantity x price (2 x 3 = 6); "
    )


def test_a_duplicate_symbol_in_one_account_names_both_rows(database: Path) -> None:
    query = "SELECT symbol, asset_class, 1 AS value FROM holdings ORDER BY rowid"
    assert failure(sqlite_source(database, query)) == (
        "row 3: symbol 'AAPL' already appears at row 1"
    )


def test_an_empty_result_is_an_empty_set(database: Path) -> None:
    source = sqlite_source(database, "SELECT * FROM holdings WHERE value > 1000")
    assert failure(source) == "no holdings: the source returned an empty set"


def test_connections_go_back_to_the_pool_after_a_failed_query(database: Path) -> None:
    source = sqlite_source(database, "SELECT * FROM positions")
    failure(source)
    failure(source)
    assert engine_for(source.url).pool.checkedout() == 0  # type: ignore[attr-defined]


def test_one_engine_serves_every_fetch_of_a_url_until_disposed(database: Path) -> None:
    source = sqlite_source(database, "SELECT * FROM holdings")
    source.fetch()
    engine = engine_for(source.url)
    source.fetch()
    assert engine_for(source.url) is engine
    dispose_engines()
    assert engine.pool.checkedin() == 0  # type: ignore[attr-defined]
    assert engine_for(source.url) is not engine


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("MONITOR_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("MONITOR_TEST_REQUIRE_POSTGRES"):
            pytest.fail("MONITOR_TEST_REQUIRE_POSTGRES is set but MONITOR_TEST_POSTGRES_URL is not")
        pytest.skip("MONITOR_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
    return url


@pytest.fixture
def postgres_table(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A fresh table of two accounts' holdings: (the URL as a source reads it, its name)."""
    url = SqlSource(url=postgres_url, query="SELECT 1").url
    table = f"holdings_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE {table} (account text, symbol text, asset_class text, value text)")
        )
        connection.execute(text(f"INSERT INTO {table} VALUES {POSTGRES_ROWS}"))
    yield url, table
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {table}"))
    engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_query_gives_holdings_with_exact_decimals(
    postgres_table: tuple[str, str],
) -> None:
    url, table = postgres_table
    query = f"SELECT account, symbol, asset_class, value::numeric FROM {table} ORDER BY account"
    assert rows(SqlSource(url=url, query=query).fetch()) == [
        ("a1", "AAPL", "stocks", Decimal("0.1")),
        ("a2", "AAPL", "etfs", Decimal(2)),
    ]


@pytest.mark.postgres
def test_casts_and_percent_signs_reach_postgresql_as_written(
    postgres_table: tuple[str, str],
) -> None:
    url, table = postgres_table
    query = (
        f"SELECT *, 'x:y' AS note FROM {table} WHERE asset_class LIKE 'st%' AND value::numeric < 1"
    )
    assert [h.account for h in SqlSource(url=url, query=query).fetch()] == ["a1"]


@pytest.mark.postgres
def test_no_postgresql_connection_is_left_checked_out(postgres_table: tuple[str, str]) -> None:
    url, table = postgres_table
    source = SqlSource(url=url, query=f"SELECT * FROM {table} WHERE value::numeric > 'x'")
    failure(source)
    SqlSource(url=url, query=f"SELECT * FROM {table}").fetch()
    assert engine_for(url).pool.checkedout() == 0  # type: ignore[attr-defined]
