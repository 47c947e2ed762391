"""Pruning: old snapshots, finished ticks, settled notifications, ended silences, held-back
notices and superseded acknowledgements go; each portfolio's latest snapshot and newest
acknowledgement stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import (
    Acknowledgement,
    Notification,
    NotificationAttempt,
    Portfolio,
    Silence,
    SnapshotClass,
    SnapshotHolding,
    SuppressedNotice,
    Tick,
)
from monitor.store.retention import prune_history
from monitor.store.snapshots import NewSnapshot, list_snapshots, save_snapshots
from monitor.store.ticks import CLAIM_LEASE
from tests.fixtures.snapshots import FEBRUARY, JANUARY, MARCH, StoredHistory, report_of

LONG_AFTER = datetime(2026, 1, 1, tzinfo=UTC)


def taken(session: Session, portfolio_id: str) -> list[datetime]:
    return [s.taken_at for s in list_snapshots(session=session, portfolio_id=portfolio_id).items]


def test_prune_deletes_snapshots_older_than_the_retention(
    session: Session, stored_history: StoredHistory
) -> None:
    result = prune_history(
        session=session, older_than=timedelta(days=20), now=datetime(2024, 2, 15, tzinfo=UTC)
    )
    assert taken(session, "family") == [FEBRUARY, MARCH]
    assert result.snapshots == 1


def test_prune_keeps_the_latest_snapshot_of_each_portfolio(
    session: Session, stored_history: StoredHistory
) -> None:
    result = prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    assert taken(session, "family") == [MARCH]
    assert taken(session, "clients/acct-17") == [FEBRUARY]
    assert result.snapshots == 2


def test_prune_takes_the_class_and_holding_rows_with_their_snapshot(
    session: Session, stored_history: StoredHistory
) -> None:
    prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    remaining = {stored_history.family_ids[2], stored_history.account_id}
    class_owners = set(session.scalars(select(SnapshotClass.snapshot_id).distinct()))
    holding_owners = set(session.scalars(select(SnapshotHolding.snapshot_id).distinct()))
    assert class_owners == remaining
    assert holding_owners == {stored_history.family_ids[2]}


def test_prune_deletes_old_finished_ticks_but_not_running_or_referenced_ones(
    session: Session, stored_history: StoredHistory
) -> None:
    in_flight = LONG_AFTER - CLAIM_LEASE / 2  # claimed recently, for an old slot
    ticks = {
        status_and_month: Tick(
            portfolio_id="family",
            scheduled_at=at,
            started_at=in_flight if status_and_month[0] == "running" else at,
            status=status_and_month[0],
        )
        for status_and_month, at in {
            ("ok", 1): JANUARY,
            ("running", 2): FEBRUARY,
            ("failed", 3): MARCH,
        }.items()
    }
    session.add_all(ticks.values())
    session.flush()
    save_snapshots(
        session=session,
        snapshots=[
            NewSnapshot(
                "family",
                ticks[("failed", 3)].id,
                MARCH + timedelta(hours=1),
                report_of([("X", "stocks", "1", "1")]),
            )
        ],
    )
    result = prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    remaining = session.scalars(select(Tick.status).order_by(Tick.scheduled_at)).all()
    assert remaining == ["running", "failed"]
    assert result.ticks == 1


def test_prune_deletes_an_old_claim_its_process_abandoned(session: Session) -> None:
    session.add(Portfolio(id="family", name="family", created_at=JANUARY))
    session.add(
        Tick(portfolio_id="family", scheduled_at=JANUARY, started_at=JANUARY, status="running")
    )
    session.flush()
    result = prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    assert result.ticks == 1
    assert session.scalar(select(func.count()).select_from(Tick)) == 0


def test_prune_with_nothing_old_deletes_nothing(
    session: Session, stored_history: StoredHistory
) -> None:
    result = prune_history(session=session, older_than=timedelta(days=3650), now=LONG_AFTER)
    assert (result.snapshots, result.ticks) == (0, 0)
    assert session.scalar(select(func.count()).select_from(SnapshotClass)) == 9


def notification(
    session: Session, status: str, created_at: datetime, settled_at: datetime
) -> Notification:
    """A family notification with one delivery attempt; ``settled_at`` is when it was sent
    or died (its next attempt, while pending)."""
    row = Notification(
        portfolio_id="family",
        kind="drifted",
        route="family",
        title=f"{status} alert",
        payload={"kind": "drifted"},
        status=status,
        attempts=1,
        next_attempt_at=settled_at,
        delivered_targets=[],
        created_at=created_at,
        sent_at=settled_at if status == "sent" else None,
    )
    session.add(row)
    session.flush()
    session.add(
        NotificationAttempt(
            notification_id=row.id,
            attempted_at=settled_at,
            target="json://127.0.0.1",
            outcome="sent" if status == "sent" else "failed",
        )
    )
    session.flush()
    return row


def remaining_titles(session: Session) -> list[str]:
    return list(session.scalars(select(Notification.title).order_by(Notification.id)))


def test_prune_deletes_sent_and_dead_notifications_older_than_the_retention_with_attempts(
    session: Session, stored_history: StoredHistory
) -> None:
    for status in ("sent", "dead"):
        notification(session, status, JANUARY, JANUARY)
    result = prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    assert result.notifications == 2
    assert remaining_titles(session) == []
    assert session.scalar(select(func.count()).select_from(NotificationAttempt)) == 0


def test_prune_never_deletes_a_pending_notification_however_old(
    session: Session, stored_history: StoredHistory
) -> None:
    notification(session, "pending", JANUARY, JANUARY)
    result = prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    assert result.notifications == 0
    assert remaining_titles(session) == ["pending alert"]
    assert session.scalar(select(func.count()).select_from(NotificationAttempt)) == 1


def test_prune_keeps_notifications_settled_within_the_retention(
    session: Session, stored_history: StoredHistory
) -> None:
    # Created long ago, but retried by hand and dead or sent only lately.
    notification(session, "dead", JANUARY, LONG_AFTER - timedelta(days=2))
    notification(session, "sent", JANUARY, LONG_AFTER - timedelta(hours=1))
    result = prune_history(session=session, older_than=timedelta(days=3), now=LONG_AFTER)
    assert result.notifications == 0
    assert remaining_titles(session) == ["dead alert", "sent alert"]


def silence(session: Session, ends_at: datetime) -> None:
    session.add(
        Silence(
            portfolio="clients/*",
            asset_class=None,
            all_notices=False,
            starts_at=ends_at - timedelta(days=7),
            ends_at=ends_at,
            comment=f"until {ends_at:%Y-%m-%d}",
            created_by="ann",
            created_at=ends_at - timedelta(days=7),
        )
    )
    session.flush()


def test_prune_deletes_silences_that_ended_before_the_cutoff_only(
    session: Session, stored_history: StoredHistory
) -> None:
    silence(session, JANUARY)
    silence(session, LONG_AFTER - timedelta(days=2))  # ended, but within the retention
    silence(session, LONG_AFTER + timedelta(days=7))  # still going
    result = prune_history(session=session, older_than=timedelta(days=3), now=LONG_AFTER)
    assert result.silences == 1
    assert list(session.scalars(select(Silence.comment).order_by(Silence.id))) == [
        "until 2025-12-30",
        "until 2026-01-08",
    ]


def acknowledgement(session: Session, portfolio_id: str, created_at: datetime) -> None:
    session.add(
        Acknowledgement(
            portfolio_id=portfolio_id,
            alert_id=1,
            drifted_since=created_at - timedelta(days=1),
            notified_classes=["stocks"],
            notified_worst_drift=Decimal("6.00"),
            created_by="ann",
            created_at=created_at,
        )
    )
    session.flush()


def test_prune_keeps_each_portfolios_newest_acknowledgement_however_old(
    session: Session, stored_history: StoredHistory
) -> None:
    acknowledgement(session, "family", JANUARY)
    acknowledgement(session, "family", FEBRUARY)  # the one that holds family's reminders
    acknowledgement(session, "clients/acct-17", JANUARY)
    result = prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    assert result.acknowledgements == 1
    kept = session.execute(select(Acknowledgement.portfolio_id, Acknowledgement.created_at))
    assert sorted(kept) == [("clients/acct-17", JANUARY), ("family", FEBRUARY)]


def test_prune_deletes_held_back_notices_decided_before_the_cutoff(
    session: Session, stored_history: StoredHistory
) -> None:
    for decided_at in (JANUARY, LONG_AFTER - timedelta(hours=1)):
        session.add(
            SuppressedNotice(
                portfolio_id="family",
                tick_id=None,
                kind="reminder",
                reason="silence 1",
                decided_at=decided_at,
            )
        )
    session.flush()
    result = prune_history(session=session, older_than=timedelta(days=1), now=LONG_AFTER)
    assert result.suppressed == 1
    assert list(session.scalars(select(SuppressedNotice.decided_at))) == [
        LONG_AFTER - timedelta(hours=1)
    ]
