"""Alert states: what the alert policy remembers of each portfolio, saved with the snapshot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.orm import Session

from monitor.domain.alerting import AlertState
from monitor.store import models
from monitor.store.bulk import as_loaded, as_stored, insert_rows, rows_where_in, stored_values


class LoadedValues:
    """A stored state's values as the driver returns them, each distinct time or set of
    classes converted by its column type once: a tick's 10,000 states share a few."""

    def __init__(self, dialect: Dialect) -> None:
        columns = models.AlertState.__table__.c
        self.moment = cache(as_loaded(columns.updated_at, dialect))  # every time column's type
        json_list = as_loaded(columns.notified_classes, dialect)
        self.json_classes = cache(lambda raw: frozenset(json_list(raw)))

    def classes(self, raw: Any) -> frozenset[str]:
        """JSON text on SQLite; PostgreSQL's driver decodes it (an unhashable list)."""
        return self.json_classes(raw) if isinstance(raw, str) else frozenset(raw)

    def state(self, row: Sequence[Any]) -> AlertState:
        """A row of the ``STATE_COLUMNS`` after ``portfolio_id``."""
        moment = self.moment
        drift, classes, worst, since, notified, source, failures, stale, error = row
        return AlertState(
            drift_state="drifted" if drift == "drifted" else "in_band",
            notified_classes=self.classes(classes),
            notified_worst_drift=Decimal(worst),  # text on SQLite
            drifted_since=moment(since),
            last_notified_at=moment(notified),
            source_state="failing" if source == "failing" else "ok",
            consecutive_failures=failures,
            stale_notified_at=moment(stale),
            last_error=error,
        )


# The columns a state is saved in. A tick of a 10,000-account entry saves 10,000 states:
# they go through the driver's executemany, each value converted by its column type once (a
# time or a set of classes shared by many states is converted once for all of them).
STATE_COLUMNS = (
    "portfolio_id",
    "drift_state",
    "notified_classes",
    "notified_worst_drift",
    "drifted_since",
    "last_notified_at",
    "source_state",
    "consecutive_failures",
    "stale_notified_at",
    "last_error",
    "updated_at",
)


def state_rows(
    session: Session, states: Sequence[tuple[str, AlertState]], now: datetime
) -> list[tuple[Any, ...]]:
    dialect = session.get_bind().dialect
    columns = models.AlertState.__table__.c
    moment = cache(as_stored(columns.updated_at, dialect))  # every time column has this type
    money = stored_values(session).decimal  # ExactDecimal's, faster
    json_list = as_stored(columns.notified_classes, dialect)

    @cache
    def classes(names: frozenset[str]) -> Any:
        return json_list(sorted(names))

    return [
        (
            pid,
            s.drift_state,
            classes(s.notified_classes),
            money(s.notified_worst_drift),
            moment(s.drifted_since),
            moment(s.last_notified_at),
            s.source_state,
            s.consecutive_failures,
            moment(s.stale_notified_at),
            s.last_error,
            moment(now),
        )
        for pid, s in states
    ]


def load_alert_states(
    *, session: Session, portfolio_ids: Sequence[str], lock: bool = False
) -> dict[str, AlertState]:
    """Every asked-for portfolio's state; one never alerted on is the initial state.

    ``lock`` takes row locks (PostgreSQL) so that a replica deciding the same portfolio
    waits for this transaction instead of deciding from a stale state.
    """
    dialect = session.get_bind().dialect
    values = LoadedValues(dialect)
    query = f"SELECT {', '.join(STATE_COLUMNS[:-1])} FROM {models.AlertState.__tablename__}"
    # SQLite has no row locks: a write transaction holds the whole database (BEGIN IMMEDIATE).
    lock_rows = " FOR UPDATE" if lock and dialect.name == "postgresql" else ""
    rows = rows_where_in(session, query, STATE_COLUMNS[0], portfolio_ids, suffix=lock_rows)
    found = {row[0]: values.state(row[1:]) for row in rows}
    return {pid: found.get(pid, AlertState()) for pid in portfolio_ids}


def save_alert_states(
    *,
    session: Session,
    states: Mapping[str, AlertState],
    previous: Mapping[str, AlertState],
    now: datetime,
) -> int:
    """Write the states that changed (usually few of thousands); returns how many."""
    changed = [(pid, s) for pid, s in states.items() if previous.get(pid) != s]
    if not changed:
        return 0
    return insert_rows(
        session,
        models.AlertState.__tablename__,
        STATE_COLUMNS,
        state_rows(session, changed, now),
        on_conflict=f"({STATE_COLUMNS[0]}) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in STATE_COLUMNS[1:]),
    )
