"""An entry's ticks over time that went wrong or were skipped: the marks on the dashboard's
drift chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import Tick
from monitor.store.ticks import SKIPPED

# Slots that left no (or not every) snapshot: ``ok`` ticks are the chart's points already.
UNSUCCESSFUL = ("failed", "partial", SKIPPED)


@dataclass(frozen=True, slots=True)
class TickRecord:
    scheduled_at: datetime
    status: str
    error: str | None


def unsuccessful_ticks(
    *, session: Session, entry_id: str, since: datetime | None, until: datetime | None
) -> list[TickRecord]:
    """The entry's failed, partial and skipped ticks scheduled in ``[since, until)``, oldest
    first."""
    query = select(Tick.scheduled_at, Tick.status, Tick.error).where(
        Tick.portfolio_id == entry_id, Tick.status.in_(UNSUCCESSFUL)
    )
    if since is not None:
        query = query.where(Tick.scheduled_at >= since)
    if until is not None:
        query = query.where(Tick.scheduled_at < until)
    return [TickRecord(*row) for row in session.execute(query.order_by(Tick.scheduled_at))]
