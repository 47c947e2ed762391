"""Alert states: what the alert policy remembers of each portfolio, saved with the snapshot."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerting import AlertState
from monitor.store import models
from monitor.store.transactions import insert_or_skip

# Keeps each IN (...) list well under SQLite's limit on bound parameters.
CHUNK = 5000


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def to_domain(row: models.AlertState) -> AlertState:
    return AlertState(
        drift_state="drifted" if row.drift_state == "drifted" else "in_band",
        notified_classes=frozenset(row.notified_classes),
        notified_worst_drift=row.notified_worst_drift,
        drifted_since=row.drifted_since,
        last_notified_at=row.last_notified_at,
        source_state="failing" if row.source_state == "failing" else "ok",
        consecutive_failures=row.consecutive_failures,
        stale_notified_at=row.stale_notified_at,
        last_error=row.last_error,
    )


def to_row(portfolio_id: str, state: AlertState, now: datetime) -> dict[str, Any]:
    return {
        "portfolio_id": portfolio_id,
        "drift_state": state.drift_state,
        "notified_classes": sorted(state.notified_classes),
        "notified_worst_drift": state.notified_worst_drift,
        "drifted_since": state.drifted_since,
        "last_notified_at": state.last_notified_at,
        "source_state": state.source_state,
        "consecutive_failures": state.consecutive_failures,
        "stale_notified_at": state.stale_notified_at,
        "last_error": state.last_error,
        "updated_at": now,
    }


def load_alert_states(
    *, session: Session, portfolio_ids: Sequence[str], lock: bool = False
) -> dict[str, AlertState]:
    """Every asked-for portfolio's state; one never alerted on is the initial state.

    ``lock`` takes row locks (PostgreSQL) so that a replica deciding the same portfolio
    waits for this transaction instead of deciding from a stale state.
    """
    found: dict[str, AlertState] = {}
    for part in chunks(portfolio_ids):
        query = select(models.AlertState).where(models.AlertState.portfolio_id.in_(part))
        if lock:
            query = query.with_for_update()
        for row in session.scalars(query):
            found[row.portfolio_id] = to_domain(row)
    return {pid: found.get(pid, AlertState()) for pid in portfolio_ids}


def save_alert_states(
    *,
    session: Session,
    states: Mapping[str, AlertState],
    previous: Mapping[str, AlertState],
    now: datetime,
) -> int:
    """Write the states that changed (usually few of thousands); returns how many."""
    changed = [to_row(pid, s, now) for pid, s in states.items() if previous.get(pid) != s]
    if not changed:
        return 0
    statement = insert_or_skip(session, models.AlertState)
    statement = statement.on_conflict_do_update(
        index_elements=["portfolio_id"],
        set_={
            column: statement.excluded[column] for column in changed[0] if column != "portfolio_id"
        },
    )
    session.execute(statement, changed)
    return len(changed)
