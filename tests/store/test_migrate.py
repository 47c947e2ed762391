"""Schema only through migrations: they match the models, undo cleanly, and refuse the future."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.orm import Session

from monitor.domain.alerting import AlertState
from monitor.errors import StoreError
from monitor.store import migrate
from monitor.store.alert_states import load_alert_states
from monitor.store.drift import drift_history
from monitor.store.engine import make_engine
from monitor.store.migrate import (
    current_revision,
    downgrade,
    head_revision,
    require_current,
    upgrade,
)
from monitor.store.models import Base
from monitor.store.snapshots import latest_snapshot

AT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


@pytest.fixture
def empty_engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def test_upgrade_brings_an_empty_database_to_the_head(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_upgrading_twice_changes_nothing(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_an_upgrade_logs_one_line_saying_what_changed_and_nothing_when_current(
    empty_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="monitor.store.migrate"):
        upgrade(empty_engine)
        upgrade(empty_engine)
    lines = [r.getMessage() for r in caplog.records if r.name == "monitor.store.migrate"]
    assert lines == [f"database schema upgraded from nothing to revision {head_revision()}"]


def test_autogenerate_finds_no_difference_between_models_and_migrations(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_drops_every_table(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert current_revision(empty_engine) is None
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_a_migration_cut_short_leaves_no_table_and_the_next_start_completes_it(
    empty_engine: Engine,
) -> None:
    # As a process killed halfway through its first migration: the tables it made so far
    # must go with it, or every later start fails on "table already exists".
    def cut_short(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "CREATE TABLE snapshots" in statement:
            raise RuntimeError("killed")

    event.listen(empty_engine, "before_cursor_execute", cut_short)
    with pytest.raises(RuntimeError, match="killed"):
        upgrade(empty_engine)
    event.remove(empty_engine, "before_cursor_execute", cut_short)
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_the_schema_head_the_daemon_checks_without_alembic_is_the_newest_migration() -> None:
    assert head_revision() == migrate.SCHEMA_HEAD


def test_starting_on_a_database_at_the_head_does_not_load_alembic(empty_database_url: str) -> None:
    upgrade_and_report = (
        "import sys\n"
        "from monitor.store.engine import make_engine\n"
        "from monitor.store.migrate import upgrade\n"
        f"upgrade(make_engine({empty_database_url!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    loaded = [
        subprocess.run(
            [sys.executable, "-c", upgrade_and_report], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert loaded == ["True", "False"]  # the first start migrates, the second has nothing to do


def test_a_schema_newer_than_the_code_is_refused(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match=r"'9999_future', which this version .* does not know"):
        upgrade(empty_engine)


def test_reading_a_database_without_schema_asks_for_db_upgrade(empty_engine: Engine) -> None:
    with pytest.raises(StoreError, match="run `allocation-monitor db upgrade`"):
        require_current(empty_engine)


def test_reading_is_allowed_at_the_head_and_refused_once_the_code_has_a_newer_one(
    empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(empty_engine)
    require_current(empty_engine)
    at = current_revision(empty_engine)
    # The same database under a version of the code with one more migration.
    monkeypatch.setattr(migrate, "head_revision", lambda: "9999_next")
    with pytest.raises(StoreError) as raised:
        require_current(empty_engine)
    assert str(raised.value) == (
        f"the database schema is at revision {at!r}, older than this code's '9999_next'; "
        "run `allocation-monitor db upgrade`"
    )


def test_migrations_are_found_in_the_package_from_any_working_directory(
    empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini, no source tree: as from an installed wheel
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def alert_state_columns(engine: Engine) -> list[str]:
    return [column["name"] for column in inspect(engine).get_columns("alert_states")]


def test_0002_drops_the_alert_state_columns_never_written_and_keeps_the_state(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0001")
    # A 0001 database holding a drifted portfolio's state, as 0001's code wrote it.
    with empty_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO portfolios (id, name, created_at) VALUES ('family', 'F', :at)"),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO alert_states (portfolio_id, drift_state, breaching, worst_drift, "
                "notified_classes, notified_worst_drift, drifted_since, last_notified_at, "
                "source_state, consecutive_failures, last_error, updated_at) VALUES "
                "('family', 'drifted', '[]', 0, '[\"stocks\"]', 12.5, :at, :at, 'ok', 0, "
                "NULL, :at)"
            ),
            {"at": AT},
        )
    assert {"breaching", "worst_drift"} <= set(alert_state_columns(empty_engine))
    upgrade(empty_engine, "0002")
    assert current_revision(empty_engine) == "0002"
    assert not {"breaching", "worst_drift"} & set(alert_state_columns(empty_engine))
    expected = AlertState(
        drift_state="drifted",
        notified_classes=frozenset({"stocks"}),
        notified_worst_drift=Decimal("12.5"),
        drifted_since=AT,
        last_notified_at=AT,
    )
    with Session(empty_engine) as session:
        assert load_alert_states(session=session, portfolio_ids=["family"]) == {"family": expected}
    downgrade(empty_engine, "0001")
    assert current_revision(empty_engine) == "0001"
    with empty_engine.connect() as connection:
        row = connection.execute(
            text("SELECT breaching, worst_drift, notified_classes FROM alert_states")
        ).one()
    assert (json.loads(row[0]) if isinstance(row[0], str) else row[0]) == []
    assert Decimal(row[1]) == 0
    assert "stocks" in str(row[2])
    upgrade(empty_engine)  # and up again, as a later start would
    assert current_revision(empty_engine) == head_revision()


def test_0003_fills_each_snapshots_class_drifts_from_its_class_rows(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0002")
    # A 0002 database holding one snapshot of two classes, as 0002's code wrote it.
    with empty_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO portfolios (id, name, created_at) VALUES ('family', 'F', :at)"),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO snapshots (id, portfolio_id, taken_at, portfolio_value, "
                "holdings_value, unallocated_value, total_drift, worst_drift, "
                "needs_rebalancing, threshold, holdings_stored) VALUES "
                "(1, 'family', :at, 10000, 10000, 0, 20, 10, :yes, 5, :yes)"
            ),
            {"at": AT, "yes": True},
        )
        for position, (name, drift) in enumerate((("stocks", "10.5"), ("bonds", "-10.5"))):
            connection.execute(
                text(
                    "INSERT INTO snapshot_classes (snapshot_id, asset_class, position, "
                    "current_value, current_percent, target_percent, target_value, "
                    "difference, drift) VALUES (1, :name, :position, 0, 0, 0, 0, 0, :drift)"
                ),
                {"name": name, "position": position, "drift": drift},
            )
    upgrade(empty_engine, "0003")
    with Session(empty_engine) as session:
        [point] = drift_history(session=session, portfolio_id="family")
    assert list(point.drifts.items()) == [("stocks", Decimal("10.5")), ("bonds", Decimal("-10.5"))]
    downgrade(empty_engine, "0002")
    assert "class_drifts" not in {c["name"] for c in inspect(empty_engine).get_columns("snapshots")}
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_0004_adds_an_empty_as_of_to_the_snapshots_there_are(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0002")
    upgrade(empty_engine, "0004")
    assert current_revision(empty_engine) == "0004"
    columns = {c["name"]: c for c in inspect(empty_engine).get_columns("snapshots")}
    assert columns["as_of"]["nullable"]


def test_0006_keeps_single_currency_snapshots_which_read_without_a_base_currency(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0005")
    # A 0005 database holding a single-currency snapshot with a holding row.
    with empty_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO portfolios (id, name, created_at) VALUES ('family', 'F', :at)"),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO snapshots (id, portfolio_id, taken_at, portfolio_value, "
                "holdings_value, unallocated_value, total_drift, worst_drift, "
                "needs_rebalancing, threshold, holdings_stored, class_drifts) VALUES "
                "(1, 'family', :at, '6000', '6000', '0', '0', '0', false, '5', true, '{}')"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO snapshot_holdings (snapshot_id, asset_class, symbol, value) "
                "VALUES (1, 'stocks', 'VTI', '6000')"
            )
        )
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    with Session(empty_engine) as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert (snapshot.base_currency, snapshot.fx_rates, snapshot.currencies) == (None, (), ())
    assert snapshot.portfolio_value == Decimal(6000)
    assert snapshot.holdings is not None
    (vti,) = snapshot.holdings
    assert (vti.symbol, vti.value, vti.currency, vti.native_value) == (
        "VTI",
        Decimal(6000),
        None,
        None,
    )
    downgrade(empty_engine, "0005")
    with empty_engine.connect() as connection:
        kept = connection.execute(text("SELECT symbol, value FROM snapshot_holdings")).one()
    assert (kept[0], Decimal(kept[1])) == ("VTI", Decimal(6000))
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_0007_indexes_the_notifications_by_portfolio_and_its_downgrade_drops_it(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0006")
    upgrade(empty_engine, "0007")
    indexes = {
        i["name"]: i["column_names"] for i in inspect(empty_engine).get_indexes("notifications")
    }
    assert indexes["ix_notifications_portfolio_id_id"] == ["portfolio_id", "id"]
    downgrade(empty_engine, "0006")
    names = {i["name"] for i in inspect(empty_engine).get_indexes("notifications")}
    assert "ix_notifications_portfolio_id_id" not in names
