"""Tick rows: the unique (portfolio, scheduled time) claim, and how each tick ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.store.models import Tick
from monitor.store.transactions import insert_or_skip


def claim_tick(
    *, session: Session, portfolio_id: str, scheduled_at: datetime, started_at: datetime
) -> int | None:
    """The new tick's id, or None when another process already claimed this slot.

    One conditional insert: whoever inserts the row owns the tick (never check-then-act).
    """
    statement = (
        insert_or_skip(session, Tick)
        .values(
            portfolio_id=portfolio_id,
            scheduled_at=scheduled_at,
            started_at=started_at,
            status="running",
        )
        .on_conflict_do_nothing(index_elements=["portfolio_id", "scheduled_at"])
        .returning(Tick.id)
    )
    return session.execute(statement).scalar_one_or_none()


def finish_tick(
    *,
    session: Session,
    tick_id: int,
    status: str,
    finished_at: datetime,
    started_at: datetime,
    error: str | None = None,
) -> None:
    session.execute(
        update(Tick)
        .where(Tick.id == tick_id)
        .values(
            status=status,
            error=error,
            finished_at=finished_at,
            duration_ms=int((finished_at - started_at).total_seconds() * 1000),
        )
    )


@dataclass(frozen=True, slots=True)
class TickRecord:
    id: int
    portfolio_id: str
    scheduled_at: datetime
    started_at: datetime
    finished_at: datetime | None
    status: str
    error: str | None
    duration_ms: int | None


def latest_ticks(*, session: Session, portfolio_ids: Sequence[str]) -> dict[str, TickRecord]:
    """Each portfolio's most recently scheduled tick (for readiness and the CLI)."""
    newest = (
        select(Tick.portfolio_id, func.max(Tick.scheduled_at).label("scheduled_at"))
        .where(Tick.portfolio_id.in_(portfolio_ids))
        .group_by(Tick.portfolio_id)
        .subquery()
    )
    rows = session.scalars(
        select(Tick).join(
            newest,
            (Tick.portfolio_id == newest.c.portfolio_id)
            & (Tick.scheduled_at == newest.c.scheduled_at),
        )
    )
    return {
        row.portfolio_id: TickRecord(
            id=row.id,
            portfolio_id=row.portfolio_id,
            scheduled_at=row.scheduled_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            status=row.status,
            error=row.error,
            duration_ms=row.duration_ms,
        )
        for row in rows
    }
