"""Every portfolio's latest snapshot in one query, an entry's last tick, and last alerts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from monitor.store.latest import (
    breach_counts,
    entry_health,
    last_alerts,
    latest_rows,
    taken_times,
)
from monitor.store.models import Tick
from monitor.store.outbox import NewNotification, enqueue_notifications
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from tests.fixtures.snapshots import FEBRUARY, MARCH, StoredHistory


def test_each_portfolio_has_its_latest_snapshot_and_entries_of_accounts_none(
    session: Session, stored_history: StoredHistory
) -> None:
    rows = {row.portfolio_id: row for row in latest_rows(session=session)}
    assert sorted(rows) == ["clients/acct-17", "family"]
    family = rows["family"]
    assert family.portfolio_value == 45800
    assert family.snapshot_id is not None
    assert taken_times(session=session, snapshot_ids=[family.snapshot_id]) == {
        family.snapshot_id: MARCH
    }
    assert family.needs_rebalancing
    counts = breach_counts(session=session, snapshot_ids=[family.snapshot_id])
    assert counts == {family.snapshot_id: 2}
    assert rows["clients/acct-17"].parent_id == "clients"


def test_a_portfolio_without_snapshots_has_a_row_without_figures(
    session: Session, stored_history: StoredHistory
) -> None:
    ensure_portfolios(session=session, portfolios=[NewPortfolio("new", "New")], now=MARCH)
    [row] = [r for r in latest_rows(session=session) if r.portfolio_id == "new"]
    assert (row.snapshot_id, row.portfolio_value, row.worst_drift) == (None, None, None)


def test_an_entrys_health_is_its_latest_scheduled_tick(
    session: Session, stored_history: StoredHistory
) -> None:
    for at, status in [(FEBRUARY, "ok"), (MARCH, "failed")]:
        session.add(
            Tick(portfolio_id="family", scheduled_at=at, started_at=at, status=status, error=None)
        )
    session.flush()
    health = entry_health(session=session, entry_ids=["family", "clients"])
    assert (health["family"].tick_at, health["family"].tick_status) == (MARCH, "failed")
    assert "clients" not in health


def test_the_last_alert_of_each_portfolio_is_its_newest(
    session: Session, stored_history: StoredHistory
) -> None:
    for kind, at in [("drifted", FEBRUARY), ("resolved", MARCH)]:
        notice = NewNotification("family", "family", kind, kind, {"kind": kind})
        enqueue_notifications(session=session, notifications=[notice], now=at)
    enqueue_notifications(
        session=session,
        notifications=[NewNotification("clients", "clients", "digest", "d", {})],
        now=MARCH + timedelta(days=1),
    )
    found = last_alerts(session=session, portfolio_ids=["family", "clients/acct-17"])
    assert found["family"].kind == "resolved"
    assert "clients/acct-17" not in found
