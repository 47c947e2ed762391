"""Each configured entry's current figures, for the metrics endpoint: a few queries per scrape.

"Current" is the latest tick of the entry that produced snapshots (``ok`` or ``partial``): a
failed tick keeps the last good figures, as it keeps the last good snapshot. An entry with
many accounts is summed up (value, worst drift, accounts out of band) rather than listed,
so that its size does not become the metrics' size; its classes' drifts are per account
and stay in the history API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from monitor.store.batches import batches
from monitor.store.models import AlertState, Portfolio, Snapshot, SnapshotClass, Tick

SUCCESSFUL = ("ok", "partial")


@dataclass(frozen=True, slots=True)
class EntryFigures:
    portfolio_id: str
    taken_at: datetime
    accounts: int
    accounts_needing_rebalancing: int
    # Value per currency its snapshots are in: one but for accounts each in its own
    # currency (no base currency); None for a snapshot that names none.
    values: Mapping[str | None, Decimal]
    worst_drift: Decimal
    # Drift per asset class, for an entry that is one portfolio; empty for many accounts.
    class_drifts: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def needs_rebalancing(self) -> bool:
        return self.accounts_needing_rebalancing > 0


def newest_good(entry_ids: Sequence[str]) -> Select[str, datetime]:
    """Entry id and scheduled time of each entry's most recently scheduled successful tick."""
    return (
        select(Tick.portfolio_id, func.max(Tick.scheduled_at).label("scheduled_at"))
        .where(Tick.portfolio_id.in_(entry_ids), Tick.status.in_(SUCCESSFUL))
        .group_by(Tick.portfolio_id)
    )


def latest_good_tick_times(*, session: Session, entry_ids: Sequence[str]) -> dict[str, datetime]:
    """Entry id -> when its most recent successful tick was scheduled (for readiness)."""
    return dict(session.execute(newest_good(entry_ids)).all())


def latest_good_ticks(*, session: Session, entry_ids: Sequence[str]) -> dict[int, str]:
    """Tick id -> entry id, for each entry's most recently scheduled successful tick."""
    newest = newest_good(entry_ids).subquery()
    rows = session.execute(
        select(Tick.id, Tick.portfolio_id).join(
            newest,
            (Tick.portfolio_id == newest.c.portfolio_id)
            & (Tick.scheduled_at == newest.c.scheduled_at),
        )
    )
    return dict(rows.all())


def entry_figures(*, session: Session, entry_ids: Sequence[str]) -> list[EntryFigures]:
    """The figures of the entries that have a successful tick, in ``entry_ids`` order."""
    ticks = latest_good_ticks(session=session, entry_ids=entry_ids)
    # Values are summed here, not in SQL: SQLite keeps exact decimals as text.
    snapshots: dict[str, list[Any]] = {}
    for part in batches(list(ticks)):
        query = select(
            Snapshot.id,
            Snapshot.tick_id,
            Snapshot.portfolio_id,
            Snapshot.taken_at,
            Snapshot.portfolio_value,
            Snapshot.base_currency,
            Snapshot.worst_drift,
            Snapshot.needs_rebalancing,
        ).where(Snapshot.tick_id.in_(part))
        for row in session.execute(query):
            snapshots.setdefault(ticks[row.tick_id], []).append(row)
    # An entry that is one portfolio has one snapshot, under the entry's own id.
    single = {
        rows[0].id: entry for entry, rows in snapshots.items() if rows[0].portfolio_id == entry
    }
    drifts = class_drifts(session=session, snapshot_ids=single)
    figures = []
    for entry in entry_ids:
        rows = snapshots.get(entry)
        if not rows:
            continue
        values: dict[str | None, Decimal] = {}
        for row in rows:
            values[row.base_currency] = values.get(row.base_currency, 0) + row.portfolio_value
        figures.append(
            EntryFigures(
                portfolio_id=entry,
                taken_at=max(row.taken_at for row in rows),
                accounts=len(rows),
                accounts_needing_rebalancing=sum(row.needs_rebalancing for row in rows),
                values=values,
                worst_drift=max(row.worst_drift for row in rows),
                class_drifts=drifts.get(entry, {}),
            )
        )
    return figures


def class_drifts(
    *, session: Session, snapshot_ids: Mapping[int, str]
) -> dict[str, dict[str, Decimal]]:
    """Entry id -> {asset class: drift}, from the given snapshots (snapshot id -> entry)."""
    found: dict[str, dict[str, Decimal]] = {}
    for part in batches(list(snapshot_ids)):
        query = (
            select(SnapshotClass.snapshot_id, SnapshotClass.asset_class, SnapshotClass.drift)
            .where(SnapshotClass.snapshot_id.in_(part))
            .order_by(SnapshotClass.snapshot_id, SnapshotClass.position)
        )
        for snapshot_id, asset_class, drift in session.execute(query):
            found.setdefault(snapshot_ids[snapshot_id], {})[asset_class] = drift
    return found


def drifted_since(*, session: Session, entry_ids: Sequence[str]) -> dict[str, datetime]:
    """Entry id -> since when it (or, for many accounts, its longest-drifted one) drifted."""
    entry = func.coalesce(Portfolio.parent_id, Portfolio.id)
    rows = session.execute(
        select(entry, func.min(AlertState.drifted_since))
        .join(Portfolio, AlertState.portfolio_id == Portfolio.id)
        .where(
            AlertState.drift_state == "drifted",
            AlertState.drifted_since.is_not(None),
            entry.in_(entry_ids),
        )
        .group_by(entry)
    )
    return {entry_id: since for entry_id, since in rows if since is not None}
