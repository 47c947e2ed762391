"""Several drainers (threads here, replicas in production) share one outbox and never send
an alert twice: on PostgreSQL each claims rows with ``FOR UPDATE SKIP LOCKED``."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from monitor.notify.drain import LEASE, drain_outbox
from monitor.notify.rounds import DrainResult
from monitor.store.outbox import (
    NewNotification,
    OutboxItem,
    claim_next_notification,
    enqueue_notifications,
)
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.transactions import write_transaction
from tests.fixtures.sinks import WebhookSink
from tests.notify import samples
from tests.notify.world import START, World, make_world

ALERTS = 120
JOIN_SECONDS = 60


def enqueue_alerts(world: World, count: int) -> None:
    ids = [f"p{number:03d}" for number in range(count)]
    with write_transaction(world.sessions) as session:
        ensure_portfolios(
            session=session, portfolios=[NewPortfolio(pid, pid) for pid in ids], now=START
        )
        enqueue_notifications(
            session=session,
            notifications=[
                NewNotification(pid, pid, "drifted", pid, samples.drifted(portfolio_id=pid))
                for pid in ids
            ],
            now=START,
        )


@pytest.fixture
def world(engine: Engine, tmp_path: Path, webhook_sink: WebhookSink) -> World:
    world = make_world(engine, tmp_path, urls=[webhook_sink.json_url])
    enqueue_alerts(world, ALERTS)
    return world


def test_two_drainers_at_once_send_every_alert_exactly_once(
    world: World, webhook_sink: WebhookSink
) -> None:
    start = threading.Barrier(2)
    results: list[DrainResult] = []
    errors: list[BaseException] = []

    def drainer() -> None:
        try:
            start.wait()
            results.append(drain_outbox(world.settings, world.sessions, clock=world.clock))
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=drainer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert errors == []
    assert sum(r.sent for r in results) == ALERTS
    received = Counter(request.json["title"] for request in webhook_sink.requests)
    assert len(received) == ALERTS
    assert set(received.values()) == {1}
    assert [n.attempts for n in world.notifications("sent")] == [1] * ALERTS


def test_a_claim_skips_rows_another_drainer_has_locked_instead_of_waiting(
    world: World, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is nothing to skip")
    now = world.clock.now
    with write_transaction(world.sessions) as first:
        mine = claim_all(first, now, limit=10)
        # The first drainer's transaction is still open, the rows it took locked.
        with write_transaction(world.sessions) as second:
            # Waiting for those locks would fail this test instead of hanging it.
            second.execute(text("SET LOCAL lock_timeout = '5s'"))
            theirs = claim_all(second, now)
    assert len(mine) == 10
    assert len(theirs) == ALERTS - 10
    assert not {n.id for n in mine} & {n.id for n in theirs}


def claim_all(session: Session, now: datetime, limit: int = ALERTS) -> list[OutboxItem]:
    """Rows claimed one by one in ``session``'s transaction, up to ``limit``."""
    claimed: list[OutboxItem] = []
    while len(claimed) < limit and (
        item := claim_next_notification(
            session=session, now=now, lease=LEASE, accept=lambda *row: True
        )
    ):
        claimed.append(item)
    return claimed
