"""``allocation-monitor run`` as a real process: ticks every second, follows the holdings
file, logs a line per tick, and stops cleanly on SIGTERM with nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from monitor.store.engine import make_engine
from monitor.store.models import Snapshot, SnapshotClass, SnapshotHolding, Tick
from tests.fixtures.daemon import DaemonFactory, clean_environment, cli_command, wait_until

pytestmark = pytest.mark.slow

CONFIG = """
[database]
url = "sqlite:///{database}"

[[portfolios]]
id = "family"
schedule = {{ every = "1s" }}
source = {source}

[portfolios.targets]
stocks = 60
bonds = 40
"""


def write_atomically(path: Path, text: str) -> None:
    # The daemon re-reads the file every second: it must never see it half-written.
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    os.replace(partial, path)


def holdings_csv(stocks: int, bonds: int) -> str:
    return f"symbol,asset_class,value\nVTI,stocks,{stocks}\nBND,bonds,{bonds}\n"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "monitor.db"


@pytest.fixture
def store(database: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{database}")
    yield engine
    engine.dispose()


def write_config(tmp_path: Path, database: Path, source: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG.format(database=database, source=source))
    return path


def snapshot_values(store: Engine) -> list[Decimal]:
    if not Path(str(store.url.database)).exists():
        return []
    with store.connect() as connection:
        has_table = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'snapshots'"
        ).first()
        if has_table is None:
            return []
        query = select(Snapshot.portfolio_value).order_by(Snapshot.taken_at)
        return list(connection.scalars(query))


def tick_statuses(store: Engine) -> list[str]:
    with store.connect() as connection:
        return list(connection.scalars(select(Tick.status).order_by(Tick.scheduled_at)))


def rows_per_snapshot(
    store: Engine, model: type[SnapshotClass] | type[SnapshotHolding]
) -> set[int]:
    with store.connect() as connection:
        counts = connection.execute(
            select(func.count(model.snapshot_id))
            .select_from(Snapshot)
            .outerjoin(model, model.snapshot_id == Snapshot.id)
            .group_by(Snapshot.id)
        )
        return {count for (count,) in counts}


def test_run_ticks_follows_the_holdings_file_and_stops_cleanly_on_sigterm(
    tmp_path: Path, database: Path, store: Engine, daemon_process: DaemonFactory
) -> None:
    holdings = tmp_path / "holdings.csv"
    write_atomically(holdings, holdings_csv(6000, 4000))
    config = write_config(tmp_path, database, '{ kind = "csv", path = "holdings.csv" }')
    daemon = daemon_process(config).start()

    wait_until(lambda: len(snapshot_values(store)) >= 3, "three snapshots", process=daemon)
    assert set(snapshot_values(store)) == {Decimal(10000)}
    health = httpx.get(f"http://127.0.0.1:{daemon.api_port}/healthz", timeout=10)
    assert health.status_code == 200

    write_atomically(holdings, holdings_csv(9000, 6000))
    wait_until(
        lambda: snapshot_values(store)[-1] == Decimal(15000),
        "a snapshot of the edited holdings",
        process=daemon,
    )
    seen = len(snapshot_values(store))
    wait_until(lambda: len(snapshot_values(store)) > seen, "one more snapshot", process=daemon)
    assert snapshot_values(store)[seen:] == [Decimal(15000)] * (len(snapshot_values(store)) - seen)

    assert daemon.stop() == 0
    statuses = tick_statuses(store)
    assert "running" not in statuses
    assert set(statuses) == {"ok"}
    assert len(statuses) == len(snapshot_values(store))
    assert rows_per_snapshot(store, SnapshotClass) == {2}
    assert rows_per_snapshot(store, SnapshotHolding) == {2}
    log = daemon.log()
    tick_lines = [line for line in log.splitlines() if "tick family @ " in line]
    assert len(tick_lines) == len(statuses)  # one line per tick
    assert "ok, value 15,000.00, worst drift 0.00 pp, in band" in tick_lines[-1]
    assert "SIGTERM received" in log
    assert "stopped cleanly" in log
    assert "Traceback" not in log


def test_sigterm_lets_the_tick_in_flight_finish(
    tmp_path: Path, database: Path, store: Engine, daemon_process: DaemonFactory
) -> None:
    # The program waits for a go-ahead file, so the test can stop the daemon mid-tick.
    go = tmp_path / "go"
    program = tmp_path / "slow-export"
    holdings = json.dumps(
        {"VTI": {"asset_class": "stocks", "value": 6}, "BND": {"asset_class": "bonds", "value": 4}}
    )
    program.write_text(f"#!/bin/sh\nwhile [ ! -e {go} ]; do sleep 0.05; done\necho '{holdings}'\n")
    program.chmod(0o755)
    source = f'{{ kind = "command", argv = ["{program}"], timeout = 120 }}'
    daemon = daemon_process(write_config(tmp_path, database, source), api=False).start()
    wait_until(
        lambda: snapshot_values(store) == [] and "running" in tick_statuses_or_none(store),
        "a tick in flight",
        process=daemon,
    )
    daemon.sigterm()
    daemon.wait_for_log("SIGTERM received")
    go.touch()
    assert daemon.wait_exit() == 0
    statuses = tick_statuses(store)
    assert statuses[0] == "ok"
    assert "running" not in statuses
    assert snapshot_values(store)[0] == Decimal(10)


def tick_statuses_or_none(store: Engine) -> list[str]:
    try:
        return tick_statuses(store)
    except Exception:  # the schema may not be there yet while the daemon starts
        return []


def test_run_refuses_to_start_naming_a_missing_templates_folder(
    tmp_path: Path, database: Path
) -> None:
    (tmp_path / "holdings.csv").write_text(holdings_csv(6000, 4000))
    config = write_config(tmp_path, database, '{ kind = "csv", path = "holdings.csv" }')
    config.write_text(
        config.read_text()
        + '[portfolios.notify]\nurls = ["json://127.0.0.1:9/hook"]\ntemplates_dir = "nowhere"\n'
    )
    finished = subprocess.run(
        cli_command(config, "run", "--no-api"),
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
    )
    assert finished.returncode == 2, finished.stderr
    assert finished.stderr.splitlines() == [
        f"Error: configuration error in {config}: portfolios[family].notify: "
        f"templates_dir {tmp_path / 'nowhere'} is not a folder"
    ]
    assert not database.exists()  # refused before opening the database
