"""Alert states: what the alert policy remembers of each portfolio, saved with the snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from monitor.alerting import AlertState
from monitor.store import models
from monitor.store.bulk import StoredValues, insert_rows

# Keeps each IN (...) list well under SQLite's limit on bound parameters.
CHUNK = 5000


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def to_domain(row: Row[Any]) -> AlertState:
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


# The columns a state is saved in; on a new row, also the two columns no longer written,
# with their model defaults. A tick of a 10,000-account entry saves 10,000 states: they go
# through the driver's executemany, each value converted by its column type once (a time
# or a set of classes shared by many states is converted once for all of them).
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
NEW_ROW_COLUMNS = ("breaching", "worst_drift")


def state_rows(
    session: Session, states: Sequence[tuple[str, AlertState]], now: datetime
) -> list[tuple[Any, ...]]:
    dialect = session.get_bind().dialect
    columns = models.AlertState.__table__.c

    def stored(name: str) -> Callable[[Any], Any]:
        processor = columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        return processor or (lambda value: value)

    moment = cache(stored("updated_at"))  # every time column has this type
    money = StoredValues(dialect.name, dialect).decimal  # ExactDecimal's, faster
    json_list = stored("notified_classes")

    @cache
    def classes(names: frozenset[str]) -> Any:
        return json_list(sorted(names))

    defaults = (stored("breaching")([]), money(Decimal(0)))
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
            *defaults,
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
    table = models.AlertState.__table__
    columns = [table.c[name] for name in STATE_COLUMNS]
    found: dict[str, AlertState] = {}
    for part in chunks(portfolio_ids):
        # Columns, not entities: loading 10,000 ORM objects cost five times as much.
        query = select(*columns).where(table.c.portfolio_id.in_(part))
        if lock:
            query = query.with_for_update()
        for row in session.execute(query):
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
    changed = [(pid, s) for pid, s in states.items() if previous.get(pid) != s]
    if not changed:
        return 0
    return insert_rows(
        session,
        models.AlertState.__tablename__,
        STATE_COLUMNS + NEW_ROW_COLUMNS,
        state_rows(session, changed, now),
        on_conflict=f"({STATE_COLUMNS[0]}) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in STATE_COLUMNS[1:]),
    )
