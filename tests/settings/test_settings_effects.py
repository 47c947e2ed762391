"""Settings written in a config file as a user would, each shown to change what happens.

(That every setting is documented, tests/test_config_example.py checks; these are settings
no other test showed taking effect.)
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.runtime.pipeline import run_tick
from monitor.runtime.scheduler import Daemon
from monitor.settings import Settings, load_settings
from monitor.store.models import Notification, Snapshot, SnapshotClass, SnapshotHolding
from tests.fixtures.daemon import DaemonFactory
from tests.fixtures.snapshots import MARCH, StoredHistory

SLOT = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
DRIFTED_CSV = "symbol,asset_class,value\nVTI,stocks,60\nBND,bonds,40\n"


def config_file(
    folder: Path, top: str = "", portfolio: str = "", holdings: str | None = DRIFTED_CSV
) -> Path:
    """``top``, then one portfolio ``family`` (targets 50/50, from family.csv) with the
    ``portfolio`` lines; family.csv holds ``holdings``, or is missing when that is None."""
    if holdings is not None:
        (folder / "family.csv").write_text(holdings, encoding="utf-8")
    path = folder / "allocation-monitor.toml"
    path.write_text(
        f'{top}\n[targets]\nstocks = 50\nbonds = 50\n[[portfolios]]\nid = "family"\n'
        f'source = {{ kind = "csv", path = "family.csv" }}\n{portfolio}\n',
        encoding="utf-8",
    )
    return path


def tick_at(settings: Settings, sessions: sessionmaker[Session], slot: datetime) -> str:
    entry = settings.portfolios[0]
    return run_tick(entry, settings, slot, sessions=sessions, clock=lambda: slot).status


def test_a_portfolio_with_store_holdings_false_keeps_its_classes_but_no_holding_rows(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    settings = load_settings(config_file(tmp_path, portfolio="store_holdings = false"))
    assert tick_at(settings, sessions, SLOT) == "ok"
    with sessions() as session:
        [(stored, classes)] = session.execute(
            select(Snapshot.holdings_stored, func.count(SnapshotClass.asset_class))
            .join(SnapshotClass, SnapshotClass.snapshot_id == Snapshot.id)
            .group_by(Snapshot.id, Snapshot.holdings_stored)
        ).all()
        holdings = session.scalar(select(func.count()).select_from(SnapshotHolding))
    assert (stored, classes, holdings) == (False, 2, 0)


def test_stale_data_alerts_are_spaced_by_stale_cooldown_not_by_cooldown(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    notify = (
        '[notify]\nurls = ["json://127.0.0.1:9/hook"]\n'
        'stale_after = 1\ncooldown = "1h"\nstale_cooldown = "48h"\n'
    )
    settings = load_settings(config_file(tmp_path, top=notify, holdings=None))
    # Every tick fails (family.csv is missing). At 25 h the stale alert is an hour past its
    # cooldown but inside its stale_cooldown; at 49 h it is past both.
    slots = [SLOT + timedelta(hours=hours) for hours in (0, 25, 49)]
    assert [tick_at(settings, sessions, slot) for slot in slots] == ["failed"] * 3
    with sessions() as session:
        stale = session.scalars(
            select(Notification.created_at)
            .where(Notification.kind == "stale")
            .order_by(Notification.id)
        ).all()
    assert stale == [slots[0], slots[2]]


def test_with_a_retention_the_daemons_prune_job_deletes_older_snapshots_but_each_latest(
    tmp_path: Path,
    stored_history: StoredHistory,
    sessions: sessionmaker[Session],
    daemon_for: Callable[..., Daemon],
) -> None:
    config = tmp_path / "allocation-monitor.toml"
    config.write_text('[history]\nretention = "30d"\n', encoding="utf-8")
    # 30 days before 2 March 2024 is 31 January: family's January snapshot is older, its
    # February one is not; the account's only snapshot (February) is its latest anyway.
    daemon = daemon_for(load_settings(config), clock=lambda: MARCH + timedelta(days=1))
    daemon.prune()
    with sessions() as session:
        left = session.scalars(select(Snapshot.id).order_by(Snapshot.id)).all()
    assert left == [*stored_history.family_ids[1:], stored_history.account_id]


@pytest.mark.slow
def test_run_with_the_api_disabled_in_the_config_serves_no_api(
    tmp_path: Path, daemon_process: DaemonFactory
) -> None:
    top = f'[database]\nurl = "sqlite:///{tmp_path / "monitor.db"}"\n[api]\nenabled = false\n'
    # Started as with the API (no --no-api; a free port set): only the setting turns it off.
    daemon = daemon_process(config_file(tmp_path, top=top)).start()
    daemon.wait_for_log("scheduler started")
    assert "API listening" not in daemon.log()
    assert daemon.api_port is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", daemon.api_port), timeout=10).close()
    assert daemon.stop() == 0
