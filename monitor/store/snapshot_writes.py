"""Writing a tick's snapshots with their class and holding rows, in the caller's transaction.

A tick of a 10,000-account entry writes 10,000 snapshots, 60,000 class rows and half a
million holding rows: all of them go through the driver's ``executemany`` (see
``monitor.store.bulk``), with the snapshots' ids reserved first so that nothing has to come
back from the inserts.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from monitor.store.bulk import insert_columns, insert_rows, stored_values
from monitor.store.models import (
    Snapshot,
    SnapshotClass,
    SnapshotCurrency,
    SnapshotFxRate,
    SnapshotHolding,
)
from monitor.store.snapshot_rows import (
    BATCH_SNAPSHOTS,
    CURRENCY_COLUMNS,
    RATE_COLUMNS,
    SNAPSHOT_COLUMNS,
    NewSnapshot,
    class_batch,
    class_drifts,
    currency_rows,
    holding_columns,
    rate_rows,
    snapshot_rows,
)


def reserve_snapshot_ids(session: Session, count: int) -> list[int]:
    """``count`` new snapshot ids, in increasing order.

    PostgreSQL hands them out from the table's sequence, safe among replicas. On SQLite the
    tick's transaction holds the database's only write lock (``BEGIN IMMEDIATE``), so the
    ids after the largest one are free until it commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        reserved = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('snapshots', 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"count": count},
        ).scalars()
        return sorted(reserved)
    largest = session.execute(select(func.coalesce(func.max(Snapshot.id), 0))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


def save_snapshots(*, session: Session, snapshots: Sequence[NewSnapshot]) -> list[int]:
    """Insert snapshots with their class and holding rows, through the driver in bulk.

    Returns the new ids in the order given. Does not commit: the tick's snapshot, alert
    state and notifications belong in one transaction.
    """
    if not snapshots:
        return []
    keys = [(s.portfolio_id, s.tick_id, s.taken_at) for s in snapshots]
    if len(set(keys)) != len(keys):
        raise ValueError("two snapshots of one portfolio for the same tick and time")
    ids = reserve_snapshot_ids(session, len(snapshots))
    stored = stored_values(session)
    for start in range(0, len(snapshots), BATCH_SNAPSHOTS):
        end = start + BATCH_SNAPSHOTS
        some_ids, some = ids[start:end], snapshots[start:end]
        # The class rows first: the snapshot rows' class drifts are their drifts as stored.
        classes = class_batch(some_ids, some, stored)
        drifts = class_drifts(some, classes, stored)
        rows = snapshot_rows(some_ids, some, drifts, stored, session)
        insert_rows(session, Snapshot.__tablename__, SNAPSHOT_COLUMNS, rows)
        insert_columns(session, SnapshotClass.__table__, [classes])
    holdings = holding_columns(ids, snapshots, stored)
    insert_columns(session, SnapshotHolding.__table__, holdings)
    if any(s.report.base_currency is not None for s in snapshots):
        insert_rows(
            session,
            SnapshotFxRate.__tablename__,
            RATE_COLUMNS,
            rate_rows(ids, snapshots, stored, session),
        )
        insert_rows(
            session,
            SnapshotCurrency.__tablename__,
            CURRENCY_COLUMNS,
            currency_rows(ids, snapshots, stored),
        )
    return ids
