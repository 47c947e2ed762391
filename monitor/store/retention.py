"""Forgetting old history: snapshots, ended ticks, delivered or dead notifications, ended
silences, acknowledgements and held-back notices past the retention period.

A portfolio's latest snapshot is never pruned, however old: it is what the API shows as
the current state, and the baseline the next tick's alert compares against. A pending
notification is never pruned either: it is an alert still to deliver. Nor is a portfolio's
newest acknowledgement: it holds its reminders for as long as the drift stays as it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, aliased

from monitor.store.models import (
    Acknowledgement,
    Notification,
    Silence,
    Snapshot,
    SuppressedNotice,
    Tick,
)
from monitor.store.records import PruneResult
from monitor.store.ticks import claim_expired


def prune_history(*, session: Session, older_than: timedelta, now: datetime) -> PruneResult:
    """Delete snapshots taken before ``now - older_than`` (their class and holding rows go
    with them) except each portfolio's latest; the notifications sent or dead before that
    time (their attempts go with them); then the finished ticks before that time that no
    remaining snapshot refers to (finished, or abandoned: claimed longer ago than the
    claim's lease by a process that died); the silences that ended, the held-back notices
    decided and the acknowledgements made before that time, except each portfolio's newest
    acknowledgement. Does not commit."""
    cutoff = now - older_than
    newer = aliased(Snapshot)
    has_newer = exists().where(
        newer.portfolio_id == Snapshot.portfolio_id,
        (newer.taken_at > Snapshot.taken_at)
        | ((newer.taken_at == Snapshot.taken_at) & (newer.id > Snapshot.id)),
    )
    connection = session.connection()
    snapshots = connection.execute(
        delete(Snapshot).where(Snapshot.taken_at < cutoff, has_newer)
    ).rowcount
    notifications = connection.execute(
        delete(Notification).where(
            Notification.status.in_(("sent", "dead")),
            # A sent or dead row's next_attempt_at is when it was settled: a dead alert
            # retried by hand last week is as recent as last week.
            Notification.next_attempt_at < cutoff,
        )
    ).rowcount
    ticks = connection.execute(
        delete(Tick).where(
            Tick.scheduled_at < cutoff,
            # A claim past its lease is a process that died mid-tick, not a tick in flight.
            (Tick.status != "running") | claim_expired(now),
            ~exists(select(Snapshot.id).where(Snapshot.tick_id == Tick.id)),
        )
    ).rowcount
    return PruneResult(
        snapshots=snapshots,
        ticks=ticks,
        notifications=notifications,
        **prune_alert_tools(session, cutoff),
    )


def prune_alert_tools(session: Session, cutoff: datetime) -> dict[str, int]:
    """The silences, held-back notices and acknowledgements past ``cutoff``, counted by
    ``PruneResult``'s field names."""
    connection = session.connection()
    newer = aliased(Acknowledgement)
    superseded = exists().where(
        newer.portfolio_id == Acknowledgement.portfolio_id, newer.id > Acknowledgement.id
    )
    return {
        "silences": connection.execute(delete(Silence).where(Silence.ends_at < cutoff)).rowcount,
        "suppressed": connection.execute(
            delete(SuppressedNotice).where(SuppressedNotice.decided_at < cutoff)
        ).rowcount,
        "acknowledgements": connection.execute(
            delete(Acknowledgement).where(Acknowledgement.created_at < cutoff, superseded)
        ).rowcount,
    }
