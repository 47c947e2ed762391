"""Silences, acknowledgements and the notices they held back, in the database.

Silences are few (people set them), so a tick reads them all, ended ones too: a silence
that ended since a portfolio's last notice sends one reminder at once. Acknowledgements are
read for the tick's portfolios only, the newest of each.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Literal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from monitor.domain.alerting import Suppressed
from monitor.domain.silences import Acknowledgement, Matcher, Quiet, Silence, quiet_for
from monitor.errors import ConflictError, InputError, NotFoundError
from monitor.store import models
from monitor.store.alert_states import load_alert_states
from monitor.store.outbox import get_notification
from monitor.store.portfolios import check_portfolio, of_entry

by_id = attrgetter("id")
SilenceStatus = Literal["active", "expired"]


@dataclass(frozen=True, slots=True)
class NewSilence:
    matcher: Matcher
    starts_at: datetime
    ends_at: datetime
    comment: str
    created_by: str
    all: bool = False

    def __post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise InputError("for", "a silence must last some time: its end is not after now")
        if not self.comment.strip():
            raise InputError("comment", "say why (it is shown with the silence)")


@dataclass(frozen=True, slots=True)
class SilenceRecord:
    """A stored silence, and who ended it early, if anyone."""

    silence: Silence
    created_at: datetime
    expired_by: str | None

    def status(self, now: datetime) -> SilenceStatus:
        # Silences start when they are made: one not yet ended is active.
        return "active" if self.silence.active_at(now) else "expired"


@dataclass(frozen=True, slots=True)
class SuppressedRecord:
    id: int
    portfolio_id: str
    tick_id: int | None
    kind: str
    reason: str
    decided_at: datetime


def silence_of(row: models.Silence) -> SilenceRecord:
    return SilenceRecord(
        Silence(
            id=row.id,
            matcher=Matcher(row.portfolio, row.asset_class),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            comment=row.comment,
            created_by=row.created_by,
            all=row.all_notices,
        ),
        row.created_at,
        row.expired_by,
    )


def add_silence(
    *, session: Session, new: NewSilence, now: datetime, configured: Collection[str] = ()
) -> SilenceRecord:
    """Store a silence. A portfolio named without a glob must be known (a typo would
    silence nothing): ``UnknownPortfolioError`` otherwise."""
    if not any(char in new.matcher.portfolio for char in "*?["):
        check_portfolio(session=session, portfolio_id=new.matcher.portfolio, configured=configured)
    row = models.Silence(
        portfolio=new.matcher.portfolio,
        asset_class=new.matcher.asset_class,
        all_notices=new.all,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        comment=new.comment,
        created_by=new.created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return silence_of(row)


def list_silences(*, session: Session, now: datetime, ended: bool = False) -> list[SilenceRecord]:
    """Active silences, soonest end first; ``ended``: expired ones too."""
    query = select(models.Silence).order_by(models.Silence.ends_at, models.Silence.id)
    if not ended:
        query = query.where(models.Silence.ends_at > now)
    return [silence_of(row) for row in session.scalars(query)]


def expire_silence(*, session: Session, silence_id: int, now: datetime, by: str) -> SilenceRecord:
    """End a silence now; a ``ConflictError`` if it has ended already."""
    row = session.get(models.Silence, silence_id)
    if row is None:
        raise NotFoundError(f"no silence with id {silence_id}")
    if row.ends_at <= now:
        raise ConflictError(f"silence {silence_id} has ended already")
    row.ends_at = max(now, row.starts_at)
    row.expired_by = by
    session.flush()
    return silence_of(row)


def tick_silences(*, session: Session) -> list[Silence]:
    """Every silence, for a tick to match against its portfolios."""
    return [silence_of(row).silence for row in session.scalars(select(models.Silence))]


def acknowledge(
    *, session: Session, alert_id: int, now: datetime, by: str
) -> list[Acknowledgement]:
    """Acknowledge an alert: each portfolio it names (every account of a digest) that is
    out of band now is held quiet while its drift state stays as it is."""
    item = get_notification(session=session, notification_id=alert_id)
    named = [a["portfolio_id"] for a in item.payload.get("accounts", [])] or [item.portfolio_id]
    states = load_alert_states(session=session, portfolio_ids=named)
    drifted = [
        (pid, s) for pid, s in states.items() if s.drift_state == "drifted" and s.drifted_since
    ]
    if not drifted:
        raise ConflictError(
            f"alert {alert_id}: {', '.join(named)} is in band now; nothing to acknowledge"
        )
    rows = [
        models.Acknowledgement(
            portfolio_id=pid,
            alert_id=alert_id,
            drifted_since=state.drifted_since,
            notified_classes=sorted(state.notified_classes),
            notified_worst_drift=state.notified_worst_drift,
            created_by=by,
            created_at=now,
        )
        for pid, state in drifted
    ]
    session.add_all(rows)
    session.flush()
    return [acknowledgement_of(row) for row in rows]


def acknowledgement_of(row: models.Acknowledgement) -> Acknowledgement:
    return Acknowledgement(
        id=row.id,
        portfolio_id=row.portfolio_id,
        alert_id=row.alert_id,
        drifted_since=row.drifted_since,
        notified_classes=frozenset(row.notified_classes),
        notified_worst_drift=Decimal(row.notified_worst_drift),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def tick_acknowledgements(*, session: Session, entry_id: str) -> dict[str, Acknowledgement]:
    """The newest acknowledgement of the entry and of each of its accounts that has one
    (acknowledgements are few: people make them)."""
    table = models.Acknowledgement
    rows = session.scalars(select(table).where(of_entry(table.portfolio_id, entry_id)))
    return {row.portfolio_id: acknowledgement_of(row) for row in sorted(rows, key=by_id)}


def record_suppressed(
    *,
    session: Session,
    tick_id: int | None,
    decided_at: datetime,
    held: Iterable[tuple[str, Suppressed]],
) -> int:
    rows = [
        {
            "portfolio_id": pid,
            "tick_id": tick_id,
            "kind": s.notice.kind,
            "reason": s.by,
            "decided_at": decided_at,
        }
        for pid, s in held
    ]
    if rows:
        session.execute(insert(models.SuppressedNotice), rows)
    return len(rows)


def list_suppressed(
    *, session: Session, portfolio_id: str | None = None, limit: int = 100
) -> list[SuppressedRecord]:
    """Held-back notices, newest first; of a portfolio, or of an entry and its accounts."""
    table = models.SuppressedNotice
    query = select(
        table.id, table.portfolio_id, table.tick_id, table.kind, table.reason, table.decided_at
    )
    if portfolio_id is not None:
        query = query.where(of_entry(table.portfolio_id, portfolio_id))
    rows = session.execute(query.order_by(table.id.desc()).limit(limit))
    return [SuppressedRecord(*row) for row in rows]


def suppressed_counts(*, session: Session) -> dict[str, int]:
    """Held-back notices recorded, by kind: each kind a silence can hold back, 0 or more."""
    table = models.SuppressedNotice
    counts = dict.fromkeys(("drifted", "escalated", "reminder"), 0)
    for kind, count in session.execute(select(table.kind, func.count()).group_by(table.kind)):
        counts[kind] = count
    return counts


def tick_quiet(*, session: Session, entry_id: str) -> Callable[[str], Quiet]:
    """What keeps each portfolio of an entry's tick quiet, read once for the tick."""
    silences = tick_silences(session=session)
    acknowledgements = tick_acknowledgements(session=session, entry_id=entry_id)
    return lambda pid: quiet_for(pid, silences, acknowledgements.get(pid))


def list_acknowledgements(
    *, session: Session, portfolio_id: str | None = None, limit: int = 100
) -> list[Acknowledgement]:
    """Acknowledgements, newest first; of a portfolio, or of an entry and its accounts."""
    table = models.Acknowledgement
    query = select(table)
    if portfolio_id is not None:
        query = query.where(of_entry(table.portfolio_id, portfolio_id))
    rows = session.scalars(query.order_by(table.id.desc()).limit(limit))
    return [acknowledgement_of(row) for row in rows]
