"""Silences and acknowledgements through real ticks: held-back notices are recorded, not
queued, and counted on /metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from monitor.api.app import create_app
from monitor.domain.silences import Matcher
from monitor.runtime.scheduler import Daemon
from monitor.settings import Settings
from monitor.store.engine import session_factory
from monitor.store.models import Notification
from monitor.store.silences import NewSilence, acknowledge, add_silence, list_suppressed
from monitor.store.transactions import write_transaction
from tests.fixtures.operations import ACCOUNTS_CSV, DRIFTED_CSV, WriteConfig

DaemonFor = Callable[..., Daemon]
DAY0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
URL = "json://127.0.0.1:9/"


class Days:
    """A clock the test moves: the daemon's ticks fall on the days it says."""

    def __init__(self) -> None:
        self.now = DAY0

    def __call__(self) -> datetime:
        return self.now


def kinds(engine: Engine) -> list[tuple[str, str]]:
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Notification.portfolio_id, Notification.kind).order_by(Notification.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def silence(engine: Engine, portfolio: str, start: datetime, days: int) -> None:
    new = NewSilence(Matcher(portfolio), start, start + days * DAY, "waiting for the bonus", "ann")
    with write_transaction(session_factory(engine)) as session:
        add_silence(session=session, new=new, now=start)


def test_a_reminder_inside_a_silence_is_recorded_not_sent_and_one_goes_when_it_ends(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings: Settings = write_config({"family": DRIFTED_CSV}, notify_url=URL)
    days = Days()
    daemon = daemon_for(settings, clock=days)
    entry = settings.portfolios[0]
    daemon.tick(entry)
    silence(engine, "family", DAY0 + DAY / 2, 7)
    days.now = DAY0 + 2 * DAY
    daemon.tick(entry)
    days.now += timedelta(hours=1)  # the next tick: the held-back reminder is paced
    daemon.tick(entry)
    assert kinds(engine) == [("family", "drifted")]
    with session_factory(engine)() as session:
        held = list_suppressed(session=session, portfolio_id="family")
    assert [(h.kind, h.reason, h.decided_at) for h in held] == [
        ("reminder", "silence 1", DAY0 + 2 * DAY)
    ]
    metrics = TestClient(create_app(settings, engine=engine, scheduler=daemon)).get("/metrics")
    assert 'allocation_monitor_suppressed_notices{kind="reminder"} 1.0' in metrics.text
    days.now = DAY0 + 8 * DAY
    daemon.tick(entry)
    assert kinds(engine) == [("family", "drifted"), ("family", "reminder")]


def test_a_glob_silences_every_account_of_an_entry(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings: Settings = write_config({"clients": ACCOUNTS_CSV}, notify_url=URL)
    days = Days()
    daemon = daemon_for(settings, clock=days)
    daemon.tick(settings.portfolios[0])
    silence(engine, "clients/*", DAY0 + DAY / 2, 7)
    days.now = DAY0 + 2 * DAY
    daemon.tick(settings.portfolios[0])
    assert kinds(engine) == [("clients", "digest")]
    with session_factory(engine)() as session:
        held = list_suppressed(session=session, portfolio_id="clients")
    assert sorted(h.portfolio_id for h in held) == ["clients/a1", "clients/a3"]


def test_an_acknowledged_alert_holds_back_the_reminders_of_its_portfolio(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings: Settings = write_config({"family": DRIFTED_CSV}, notify_url=URL)
    days = Days()
    daemon = daemon_for(settings, clock=days)
    daemon.tick(settings.portfolios[0])
    with write_transaction(session_factory(engine)) as session:
        (ack,) = acknowledge(session=session, alert_id=1, now=DAY0 + DAY / 2, by="ann")
    assert (ack.portfolio_id, ack.drifted_since) == ("family", DAY0)
    for day in (2, 3):
        days.now = DAY0 + day * DAY
        daemon.tick(settings.portfolios[0])
    assert kinds(engine) == [("family", "drifted")]
    with session_factory(engine)() as session:
        held = list_suppressed(session=session, portfolio_id="family")
    assert [h.reason for h in held] == ["acknowledgement of alert 1"] * 2
