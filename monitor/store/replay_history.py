"""The stored snapshots a replay runs over: each one's value and the values of the classes
holdings sit in, for a portfolio, an account, or an entry and all its accounts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.domain.replay import Observation, leaf_values
from monitor.domain.targets import Targets
from monitor.store.models import Snapshot, SnapshotClass
from monitor.store.portfolios import of_entry


def replay_history(
    *,
    session: Session,
    portfolio_id: str,
    targets: Targets,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Observation]:
    """Snapshots of ``portfolio_id`` (and of its accounts) in ``[since, until)``, in order."""
    query = (
        select(
            Snapshot.id,
            Snapshot.portfolio_id,
            Snapshot.taken_at,
            Snapshot.portfolio_value,
            SnapshotClass.asset_class,
            SnapshotClass.current_value,
        )
        .join(SnapshotClass, SnapshotClass.snapshot_id == Snapshot.id)
        .where(of_entry(Snapshot.portfolio_id, portfolio_id))
        .order_by(Snapshot.taken_at, Snapshot.id, SnapshotClass.position)
    )
    if since is not None:
        query = query.where(Snapshot.taken_at >= since)
    if until is not None:
        query = query.where(Snapshot.taken_at < until)
    found: list[Observation] = []
    for _, rows in groupby(session.execute(query), key=lambda row: row[0]):
        first, *rest = rows
        classes: list[tuple[str, Decimal]] = [(r[4], r[5]) for r in (first, *rest)]
        found.append(Observation(first[1], first[2], first[3], leaf_values(classes, targets)))
    return found
