"""Tick rows: the unique (portfolio, scheduled time) claim, and how each tick ended.

A claim is a lease. A process killed mid-tick leaves its row ``running`` for good; once the
claim is older than ``CLAIM_LEASE`` the slot may be claimed again, and the new claimant
owns the row. The claim's ``started_at`` is its token: a tick finishes only while the row
still carries the time it claimed it at, so a tick whose claim was taken over (it ran for
longer than the lease) writes nothing.

A slot the scheduler skipped (its previous run was still going) keeps a row ``skipped`` for
the dashboard to mark; it holds no claim, so whoever ticks that slot later takes it over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from monitor.errors import ClaimLostError
from monitor.store.models import Tick
from monitor.store.transactions import insert_or_skip

# Longer than any tick runs (a source is bounded by its timeout, a command's 30 s by
# default), and short enough that a slot a dead process held is run on the same day.
CLAIM_LEASE = timedelta(minutes=10)


# The status of a slot the scheduler skipped: a row that marks it, for no tick ran.
SKIPPED = "skipped"


def ran() -> ColumnElement[bool]:
    """A tick that ran or runs: not a skipped slot's mark (readiness and metrics ask what
    ran last)."""
    return Tick.status != SKIPPED


def claim_expired(now: datetime) -> ColumnElement[bool]:
    """A claim's lease ran out: if still ``running``, its process died mid-tick."""
    return Tick.started_at < now - CLAIM_LEASE


def claim_tick(
    *,
    session: Session,
    portfolio_id: str,
    scheduled_at: datetime,
    started_at: datetime,
) -> int | None:
    """The tick's id, or None when another process holds this slot or has ticked it.

    Conditional writes only (never check-then-act): whoever inserts the row owns the tick;
    if the row exists, whoever moves an expired claim's ``started_at`` on, or turns a
    skipped slot's mark into a claim, takes it over.
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
    claimed: int | None = session.execute(statement).scalar_one_or_none()
    if claimed is not None:
        return claimed
    abandoned = (
        update(Tick)
        .where(
            Tick.portfolio_id == portfolio_id,
            Tick.scheduled_at == scheduled_at,
            ((Tick.status == "running") & claim_expired(started_at)) | (Tick.status == SKIPPED),
        )
        .values(
            started_at=started_at, status="running", error=None, finished_at=None, duration_ms=None
        )
        .returning(Tick.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(abandoned).scalar_one_or_none()


def mark_skipped_slot(
    *, session: Session, portfolio_id: str, scheduled_at: datetime, at: datetime, reason: str
) -> bool:
    """Record that the slot was skipped, unless a row for it exists (a replica ticked it, or
    holds it): True when the mark was written."""
    statement = (
        insert_or_skip(session, Tick)
        .values(
            portfolio_id=portfolio_id,
            scheduled_at=scheduled_at,
            started_at=at,
            finished_at=at,
            status=SKIPPED,
            error=reason,
        )
        .on_conflict_do_nothing(index_elements=["portfolio_id", "scheduled_at"])
        .returning(Tick.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def finish_tick(
    *,
    session: Session,
    tick_id: int,
    status: str,
    finished_at: datetime,
    started_at: datetime,
    error: str | None = None,
) -> None:
    """Mark the tick claimed at ``started_at`` ended; ``ClaimLostError`` if it is not ours
    any more (call it first in the tick's write transaction, which then rolls back)."""
    finished = session.execute(
        update(Tick)
        .where(Tick.id == tick_id, Tick.status == "running", Tick.started_at == started_at)
        .values(
            status=status,
            error=error,
            finished_at=finished_at,
            duration_ms=int((finished_at - started_at).total_seconds() * 1000),
        )
        .execution_options(synchronize_session=False)
    )
    if finished.rowcount == 0:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        raise ClaimLostError(tick_id, started_at)


def restate_tick(*, session: Session, tick_id: int, status: str, error: str | None) -> None:
    """Change the status and reason of a tick ended in this transaction (``finish_tick``):
    a tick read a batch of accounts at a time knows whether some failed only at its end."""
    session.execute(
        update(Tick)
        .where(Tick.id == tick_id)
        .values(status=status, error=error)
        .execution_options(synchronize_session=False)
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


def tick_of(*, session: Session, portfolio_id: str, scheduled_at: datetime) -> TickRecord | None:
    row = session.scalars(
        select(Tick).where(Tick.portfolio_id == portfolio_id, Tick.scheduled_at == scheduled_at)
    ).one_or_none()
    return None if row is None else record_of(row)


def record_of(row: Tick) -> TickRecord:
    return TickRecord(
        id=row.id,
        portfolio_id=row.portfolio_id,
        scheduled_at=row.scheduled_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        error=row.error,
        duration_ms=row.duration_ms,
    )


def latest_ticks(*, session: Session, portfolio_ids: Sequence[str]) -> dict[str, TickRecord]:
    """Each portfolio's most recently scheduled tick that ran (for readiness, metrics and
    the CLI): a skipped slot is no tick."""
    newest = (
        select(Tick.portfolio_id, func.max(Tick.scheduled_at).label("scheduled_at"))
        .where(Tick.portfolio_id.in_(portfolio_ids), ran())
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
    return {row.portfolio_id: record_of(row) for row in rows}
