"""Replaying the daemon's own policy over a history the daemon made gives exactly the
alerts that history recorded: the same decide, the same engine, the same order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from monitor.api.schemas.replay import run_replay
from monitor.domain.history import Window
from monitor.runtime.scheduler import Daemon
from monitor.settings import Settings
from monitor.settings.replay_policies import changes_of
from monitor.store.engine import session_factory
from monitor.store.models import Notification
from tests.fixtures.operations import (
    ACCOUNTS_CSV,
    DRIFTED_CSV,
    TIMELINE,
    WriteConfig,
    tick_timeline,
)

DaemonFor = Callable[..., Daemon]
URL = "json://127.0.0.1:9/"
# Account a2 moves: a1 stays out of band, a3 recovers then drifts back.
ACCOUNTS_LATER = (
    "account,symbol,asset_class,value\n"
    "a1,VTI,stocks,60\na1,BND,bonds,40\n"
    "a2,VTI,stocks,80\na2,BND,bonds,20\n"
    "a3,VTI,stocks,50\na3,BND,bonds,50\n"
)


def replayed(engine: Engine, settings: Settings, portfolio_id: str) -> list[tuple[object, ...]]:
    with session_factory(engine)() as session:
        found = run_replay(
            session=session,
            settings=settings,
            portfolio_id=portfolio_id,
            window=Window(None, None),
            changes=changes_of({}),
            compare=[],
        )
    [only] = found.replays
    return [(a.at, a.portfolio_id, a.kind) for a in only.alert_log]


def test_replaying_a_portfolio_gives_the_alerts_its_ticks_sent(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Path
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, notify_url=URL)
    tick_timeline(settings, daemon_for, tmp_path, TIMELINE)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Notification.created_at, Notification.portfolio_id, Notification.kind).order_by(
                Notification.id
            )
        )
        recorded = [tuple(row) for row in rows]
    kinds = [kind for _, _, kind in recorded]
    assert kinds == ["drifted", "escalated", "reminder", "resolved", "drifted"]
    assert replayed(engine, settings, "family") == recorded


def test_replaying_an_entry_gives_every_account_s_alerts_its_digests_named(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Path
) -> None:
    settings = write_config({"clients": ACCOUNTS_CSV}, notify_url=URL)
    timeline = [(0, ACCOUNTS_CSV), (8, ACCOUNTS_LATER), (30, ACCOUNTS_LATER), (40, ACCOUNTS_CSV)]
    tick_timeline(settings, daemon_for, tmp_path, timeline)
    status_kind = {"new": "drifted", "escalated": "escalated", "reminder": "reminder"}
    status_kind["resolved"] = "resolved"
    with session_factory(engine)() as session:
        digests = session.execute(
            select(Notification.created_at, Notification.payload).order_by(Notification.id)
        )
        recorded = sorted(
            (at, account["portfolio_id"], status_kind[account["status"]])
            for at, payload in digests
            for account in payload["accounts"]
            if account["status"] in status_kind
        )
    assert len({kind for _, _, kind in recorded}) >= 3  # first alerts, escalations, ...
    assert replayed(engine, settings, "clients") == recorded
