"""The latest snapshot of every portfolio and account, in one query: the dashboard's overview.

Each portfolio's latest snapshot is found by a correlated ``LIMIT 1`` that walks the
``(portfolio_id, taken_at, id)`` index backwards: one index seek per portfolio, whatever the
length of its history, so 10,000 accounts cost 10,000 seeks rather than a scan of every
snapshot. Classes out of band are counted apart (``breach_counts``), for the snapshots
asked: a page's, unless the rows are sorted by them; so are the times the snapshots were
taken (``taken_times``), a page's, not converted for every row. Values stay ``Decimal`` (text on
SQLite): sorting by them happens in Python, not in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, outerjoin, select, true
from sqlalchemy.orm import Session

from monitor.store.batches import batches
from monitor.store.models import AlertState, Notification, Portfolio, Snapshot, SnapshotClass, Tick
from monitor.store.ticks import ran


@dataclass(frozen=True, slots=True)
class LatestRow:
    """A portfolio (or an account) and its latest snapshot; the snapshot's fields are None
    when it has none yet."""

    portfolio_id: str
    name: str
    parent_id: str | None
    snapshot_id: int | None
    portfolio_value: Decimal | None
    worst_drift: Decimal | None
    needs_rebalancing: bool | None
    drift_state: str | None  # the alert policy's: in_band, drifted; None before a tick
    base_currency: str | None = None  # its value's; None: single-currency, or before currencies


@dataclass(frozen=True, slots=True)
class EntryHealth:
    """An entry's last tick and what the alert policy remembers of its source."""

    tick_at: datetime | None
    tick_status: str | None
    tick_error: str | None
    consecutive_failures: int
    source_state: str  # ok, failing (stale: the stale notice went out)


@dataclass(frozen=True, slots=True)
class LastAlert:
    id: int
    kind: str
    status: str
    created_at: datetime


def latest_rows(*, session: Session) -> list[LatestRow]:
    """Every stored portfolio that holds snapshots itself (an entry with accounts does not:
    its accounts do), with its latest snapshot, ordered by id."""
    newest = (
        select(Snapshot)
        .where(Snapshot.portfolio_id == Portfolio.id)
        .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
        .limit(1)
        .correlate(Portfolio)
    )
    snapshot: Any
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL seeks the index once per portfolio only through a LATERAL join; with
        # the subquery as the join's condition it tries it against every snapshot.
        snapshot = newest.lateral("latest")
        joined = outerjoin(Portfolio, snapshot, true())
    else:  # SQLite has no LATERAL, and seeks the index once per portfolio as it is
        snapshot = Snapshot.__table__
        joined = outerjoin(
            Portfolio,
            snapshot,
            snapshot.c.id == newest.with_only_columns(Snapshot.id).scalar_subquery(),
        )
    parents = select(Portfolio.parent_id).where(Portfolio.parent_id.is_not(None)).distinct()
    query = (
        select(
            Portfolio.id,
            Portfolio.name,
            Portfolio.parent_id,
            snapshot.c.id,
            snapshot.c.portfolio_value,
            snapshot.c.worst_drift,
            snapshot.c.needs_rebalancing,
            AlertState.drift_state,
            snapshot.c.base_currency,
        )
        .select_from(joined.outerjoin(AlertState, AlertState.portfolio_id == Portfolio.id))
        .where(Portfolio.id.not_in(parents))
        .order_by(Portfolio.id)
    )
    return [
        LatestRow(
            portfolio_id=id_,
            name=name,
            parent_id=parent,
            snapshot_id=snapshot_id,
            portfolio_value=value,
            worst_drift=worst,
            needs_rebalancing=None if rebalance is None else bool(rebalance),
            drift_state=state,
            base_currency=currency,
        )
        # Through the connection: a Core statement, without the ORM's per-row loading.
        for id_, name, parent, snapshot_id, value, worst, rebalance, state, currency in (
            session.connection().execute(query)
        )
    ]


def breach_counts(*, session: Session, snapshot_ids: Sequence[int]) -> dict[int, int]:
    """Snapshot id -> how many of its classes are out of band (none: not in the answer)."""
    found: dict[int, int] = {}
    for part in batches(snapshot_ids):
        query = (
            select(SnapshotClass.snapshot_id, func.count())
            .where(SnapshotClass.snapshot_id.in_(part), SnapshotClass.breach.is_not(None))
            .group_by(SnapshotClass.snapshot_id)
        )
        found.update((snapshot, count) for snapshot, count in session.connection().execute(query))
    return found


def taken_times(*, session: Session, snapshot_ids: Sequence[int]) -> dict[int, datetime]:
    """Snapshot id -> when it was taken."""
    found: dict[int, datetime] = {}
    for part in batches(snapshot_ids):
        query = select(Snapshot.id, Snapshot.taken_at).where(Snapshot.id.in_(part))
        found.update((snapshot, at) for snapshot, at in session.connection().execute(query))
    return found


def entry_health(*, session: Session, entry_ids: Sequence[str]) -> dict[str, EntryHealth]:
    """Entry id -> its most recently scheduled tick that ran and its source's state."""
    newest = (
        select(Tick.portfolio_id, func.max(Tick.scheduled_at).label("scheduled_at"))
        .where(Tick.portfolio_id.in_(entry_ids), ran())
        .group_by(Tick.portfolio_id)
        .subquery()
    )
    ticks = session.execute(
        select(Tick.portfolio_id, Tick.scheduled_at, Tick.status, Tick.error).join(
            newest,
            (Tick.portfolio_id == newest.c.portfolio_id)
            & (Tick.scheduled_at == newest.c.scheduled_at),
        )
    ).all()
    sources = {
        id_: (failures, state)
        for id_, failures, state in session.execute(
            select(
                AlertState.portfolio_id, AlertState.consecutive_failures, AlertState.source_state
            ).where(AlertState.portfolio_id.in_(entry_ids))
        )
    }
    found = {
        entry: EntryHealth(at, status, error, *sources.get(entry, (0, "ok")))
        for entry, at, status, error in ticks
    }
    for entry, (failures, state) in sources.items():
        found.setdefault(entry, EntryHealth(None, None, None, failures, state))
    return found


def last_alerts(*, session: Session, portfolio_ids: Sequence[str]) -> dict[str, LastAlert]:
    """Portfolio id -> its newest notification (a page of the overview at a time)."""
    newest = (
        select(func.max(Notification.id))
        .where(Notification.portfolio_id.in_(portfolio_ids))
        .group_by(Notification.portfolio_id)
    )
    rows = session.execute(
        select(
            Notification.portfolio_id,
            Notification.id,
            Notification.kind,
            Notification.status,
            Notification.created_at,
        ).where(Notification.id.in_(newest))
    )
    return {
        portfolio: LastAlert(id_, kind, status, at) for portfolio, id_, kind, status, at in rows
    }
