"""The notification outbox: rows written in the tick's transaction, drained later.

Claims are leases: a drainer marks due rows ``claimed_until`` and sends them outside any
transaction. If it dies mid-send, the lease runs out and another drainer retries the row;
that window is the documented at-least-once duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, or_, select, update
from sqlalchemy.orm import Session

from monitor.errors import ConflictError, NotFoundError
from monitor.store.models import Notification, NotificationAttempt

STATUSES = ("pending", "sent", "dead")
# Due rows a claim looks at: those waiting for a drainer's busy targets may come first.
CLAIM_SCAN = 50


@dataclass(frozen=True, slots=True)
class NewNotification:
    portfolio_id: str
    route: str
    kind: str
    title: str
    payload: dict[str, Any]
    tick_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    portfolio_id: str
    route: str
    kind: str
    title: str
    payload: dict[str, Any]
    attempts: int
    delivered_targets: tuple[str, ...]
    status: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    attempted_at: datetime
    target: str
    outcome: str
    error: str | None


OUTBOX_COLUMNS = (
    Notification.id,
    Notification.portfolio_id,
    Notification.route,
    Notification.kind,
    Notification.title,
    Notification.payload,
    Notification.attempts,
    Notification.delivered_targets,
    Notification.status,
    Notification.created_at,
    Notification.next_attempt_at,
    Notification.sent_at,
    Notification.last_error,
)


def item_of(row: Any) -> OutboxItem:
    values = row._asdict()
    values["delivered_targets"] = tuple(values["delivered_targets"] or ())
    return OutboxItem(**values)


def enqueue_notifications(
    *, session: Session, notifications: Sequence[NewNotification], now: datetime
) -> None:
    if not notifications:
        return
    session.execute(
        insert(Notification),
        [
            {
                "portfolio_id": n.portfolio_id,
                "tick_id": n.tick_id,
                "kind": n.kind,
                "route": n.route,
                "title": n.title,
                "payload": n.payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "delivered_targets": [],
                "created_at": now,
            }
            for n in notifications
        ],
    )


def claim_next_notification(
    *,
    session: Session,
    now: datetime,
    lease: timedelta,
    accept: Callable[[int, str, Sequence[str]], bool],
    passed: Collection[int] = (),
    scan: int = CLAIM_SCAN,
) -> OutboxItem | None:
    """Lease the first due row ``accept`` takes, by its id, route and the targets that took
    it already; rows in ``passed`` (ids) are not looked at.

    Of the ``scan`` first due rows, those ``accept`` refuses stay as they were (the caller
    adds them to ``passed`` to look further next time). The row taken is leased by a
    conditional write, its lock skipped rather than waited for (``FOR UPDATE SKIP LOCKED``
    on PostgreSQL): if another drainer holds it or leased it meanwhile, the next is tried.
    Only that row is locked, so another drainer is never kept from the rows refused here.
    """
    candidates = session.execute(
        select(Notification.id, Notification.route, Notification.delivered_targets)
        .where(*due(now), Notification.id.not_in(passed))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(scan)
    ).all()
    for notification_id, route, delivered in candidates:
        if not accept(notification_id, route, delivered or ()):
            continue
        still_due = (
            select(Notification.id)
            .where(Notification.id == notification_id, *due(now))
            .with_for_update(skip_locked=True)
        )
        claimed = session.execute(
            update(Notification)
            .where(Notification.id.in_(still_due.scalar_subquery()))
            .values(claimed_until=now + lease)
            .returning(*OUTBOX_COLUMNS)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if claimed is not None:
            return item_of(claimed)
    return None


def due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A pending row whose time has come and that no drainer holds a lease on."""
    return (
        Notification.status == "pending",
        Notification.next_attempt_at <= now,
        or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
    )


def record_attempts(
    *, session: Session, notification_id: int, attempts: Sequence[AttemptRecord]
) -> None:
    if attempts:
        session.execute(
            insert(NotificationAttempt),
            [
                {
                    "notification_id": notification_id,
                    "attempted_at": a.attempted_at,
                    "target": a.target,
                    "outcome": a.outcome,
                    "error": a.error,
                }
                for a in attempts
            ],
        )


def settle_notification(
    *,
    session: Session,
    notification_id: int,
    status: str,
    attempts: int,
    delivered_targets: Sequence[str],
    next_attempt_at: datetime,
    last_error: str | None,
    sent_at: datetime | None,
) -> None:
    """Store the outcome of a delivery round and release the lease."""
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(
            status=status,
            attempts=attempts,
            delivered_targets=list(delivered_targets),
            next_attempt_at=next_attempt_at,
            last_error=last_error,
            sent_at=sent_at,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )


def matching(query: Select[Any], portfolio_id: str | None, status: str | None) -> Select[Any]:
    """``query`` narrowed to a portfolio (or the entry that routes it) and a status."""
    if portfolio_id is not None:
        query = query.where(
            or_(Notification.portfolio_id == portfolio_id, Notification.route == portfolio_id)
        )
    if status is not None:
        query = query.where(Notification.status == status)
    return query


def list_notifications(
    *,
    session: Session,
    portfolio_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OutboxItem]:
    """Newest first; ``portfolio_id`` matches the portfolio or the entry that routes it."""
    query = select(*OUTBOX_COLUMNS).order_by(Notification.id.desc()).limit(limit).offset(offset)
    rows = session.execute(matching(query, portfolio_id, status))
    return [item_of(row) for row in rows]


def count_notifications(
    *, session: Session, portfolio_id: str | None = None, status: str | None = None
) -> int:
    """How many ``list_notifications`` pages through."""
    query = matching(select(func.count()).select_from(Notification), portfolio_id, status)
    count: int = session.execute(query).scalar_one()
    return count


def get_notification(*, session: Session, notification_id: int) -> OutboxItem:
    row = session.execute(
        select(*OUTBOX_COLUMNS).where(Notification.id == notification_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no notification with id {notification_id}")
    return item_of(row)


def attempts_of(*, session: Session, notification_id: int) -> list[AttemptRecord]:
    rows = session.execute(
        select(
            NotificationAttempt.attempted_at,
            NotificationAttempt.target,
            NotificationAttempt.outcome,
            NotificationAttempt.error,
        )
        .where(NotificationAttempt.notification_id == notification_id)
        .order_by(NotificationAttempt.id)
    )
    return [AttemptRecord(*row) for row in rows]


def requeue_dead(*, session: Session, notification_id: int, now: datetime) -> OutboxItem:
    """A dead notification back to pending, with a fresh attempt budget (the targets that
    took it stay recorded, so they are not sent it again).

    A conditional write, its count checked: of two concurrent retries, one wins and the
    other is told the notification is no longer dead.
    """
    requeued = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    item = get_notification(session=session, notification_id=notification_id)
    if requeued.rowcount == 0:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        raise ConflictError(
            f"notification {notification_id} is {item.status}; only dead ones can be retried"
        )
    return item


def outbox_counts(*, session: Session) -> dict[str, int]:
    query = select(Notification.status, func.count()).group_by(Notification.status)
    counted: dict[str, int] = dict(session.execute(query).all())
    return {status: counted.get(status, 0) for status in STATUSES}
