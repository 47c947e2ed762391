"""A portfolio's drift over time: one point per snapshot, read in a single query of one
row per snapshot (its class drifts kept compact with it, ``monitor.store.class_drifts``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.class_drifts import read_class_drifts
from monitor.store.models import Snapshot
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
    query = (
        select(
            Snapshot.id,
            Snapshot.taken_at,
            Snapshot.total_drift,
            Snapshot.worst_drift,
            Snapshot.needs_rebalancing,
            Snapshot.class_drifts,
        )
        .where(*in_window(portfolio_id, since, until))
        .order_by(Snapshot.taken_at, Snapshot.id)
    )
    rows = session.connection().execute(query).all()
    drifts = read_class_drifts([row.class_drifts for row in rows], asset_class)
    return [
        DriftPoint(id_, at, total, worst, rebalance, point_drifts)
        for (id_, at, total, worst, rebalance, _), point_drifts in zip(rows, drifts, strict=True)
    ]
