"""A portfolio's drift over time: one point per snapshot, read in a single query."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import Snapshot, SnapshotClass
from monitor.store.records import DriftPoint
from monitor.store.snapshots import in_window


def drift_history(
    *,
    session: Session,
    portfolio_id: str,
    asset_class: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[DriftPoint]:
    """Oldest first; ``drifts`` holds every class, or only ``asset_class`` when given.

    Every snapshot in the window is a point, even one without that class (targets change):
    its ``drifts`` is then empty rather than the point missing from the series.
    """
    joined = SnapshotClass.snapshot_id == Snapshot.id
    if asset_class is not None:
        joined &= SnapshotClass.asset_class == asset_class
    query = (
        select(
            Snapshot.id,
            Snapshot.taken_at,
            Snapshot.total_drift,
            Snapshot.worst_drift,
            Snapshot.needs_rebalancing,
            SnapshotClass.asset_class,
            SnapshotClass.drift,
        )
        .outerjoin(SnapshotClass, joined)
        .where(*in_window(portfolio_id, since, until))
        .order_by(Snapshot.taken_at, Snapshot.id, SnapshotClass.position)
    )
    points: list[DriftPoint] = []
    drifts: dict[str, Decimal] = {}
    for snapshot_id, taken_at, total, worst, rebalance, name, drift in session.execute(query):
        if not points or points[-1].snapshot_id != snapshot_id:
            drifts = {}
            points.append(DriftPoint(snapshot_id, taken_at, total, worst, rebalance, drifts))
        if name is not None:
            drifts[name] = drift
    return points
