"""One delivery round of one leased outbox row: send, record each target's attempt, settle.

Settling decides what becomes of the row: sent (every target took it), due again at once
(the targets sent to took it, and a target busy with another message is still to come),
retried after a backoff, or dead after ``max_attempts`` failed rounds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import DeliveryError
from monitor.notify.delivery import Route, TargetResult, deliver
from monitor.notify.routing import notify_for_route, render_for
from monitor.settings import NotifySettings, Settings
from monitor.store.outbox import AttemptRecord, OutboxItem, record_attempts, settle_notification
from monitor.store.transactions import write_transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DrainResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    def __add__(self, other: DrainResult) -> DrainResult:
        return DrainResult(
            self.sent + other.sent, self.retrying + other.retrying, self.dead + other.dead
        )


def backoff(attempts: int, notify: NotifySettings) -> timedelta:
    """Exponential: the first retry after ``retry_backoff``, doubling up to the maximum."""
    delay: timedelta = notify.retry_backoff * (2 ** max(attempts - 1, 0))
    return min(delay, notify.retry_max_backoff)


def send_one(
    item: OutboxItem,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    deferred: frozenset[str] = frozenset(),
    sent: Callable[[str], None] = lambda key: None,
) -> DrainResult:
    """Send ``item`` to its targets still to take it, but those in ``deferred`` (busy);
    ``sent`` is told of each target done with (see ``deliver``)."""
    notify = notify_for_route(settings, item.route)
    failure: DeliveryError | None = None
    results: list[TargetResult] = []
    try:
        message = render_for(item.payload, notify, alert_id=item.id)
        results = deliver(
            Route.from_settings(notify),
            message,
            skip_keys=frozenset(item.delivered_targets) | deferred,
            timeout=notify.timeout.total_seconds(),
            sent=sent,
        )
    except DeliveryError as error:
        failure = error
    except Exception as error:
        # A bug (in a user's template, in Apprise): a failed attempt like any other, so that
        # backoff and max_attempts apply. Let through, the row would stay leased with its
        # attempts uncounted, tried again at every lease's end and never given up on.
        log.error(
            "notification %d (%s, %s): unexpected error while sending",
            item.id,
            item.kind,
            item.portfolio_id,
            exc_info=True,
        )
        failure = DeliveryError("unexpected error", f"{type(error).__name__}: {error}")
    now = clock()
    failed = [r for r in results if not r.ok]
    delivered = [*item.delivered_targets, *(r.key for r in results if r.ok)]
    attempts = item.attempts + 1
    errors = [f"{r.name}: {r.error}" for r in failed]
    if failure is not None:
        errors.append(str(failure))
    next_attempt_at = now
    if not errors and deferred:
        # Not an attempt that failed: the rest goes as soon as its targets are free.
        status, outcome, attempts = "pending", DrainResult(), item.attempts
    elif not errors:
        status, outcome = "sent", DrainResult(sent=1)
    elif (failure is not None and failure.permanent) or attempts >= notify.max_attempts:
        status, outcome = "dead", DrainResult(dead=1)
    else:
        status, outcome = "pending", DrainResult(retrying=1)
        next_attempt_at = now + backoff(attempts, notify)
    with write_transaction(sessions) as session:
        record_attempts(
            session=session,
            notification_id=item.id,
            attempts=[
                AttemptRecord(now, r.name, "sent" if r.ok else "failed", r.error) for r in results
            ]
            + ([AttemptRecord(now, "route", "failed", str(failure))] if failure else []),
        )
        settle_notification(
            session=session,
            notification_id=item.id,
            status=status,
            attempts=attempts,
            delivered_targets=delivered,
            next_attempt_at=next_attempt_at,
            # A round that only waited on a busy target keeps the last failure's reason.
            last_error="; ".join(errors) or (item.last_error if status == "pending" else None),
            sent_at=now if status == "sent" else None,
        )
    log_outcome(item, status, attempts, errors)
    return outcome


def log_outcome(item: OutboxItem, status: str, attempts: int, errors: list[str]) -> None:
    if status == "sent":
        log.info("notification %d (%s, %s) sent", item.id, item.kind, item.portfolio_id)
    elif status == "dead":
        log.error(
            "notification %d (%s, %s) is dead after %d attempt(s): %s",
            item.id,
            item.kind,
            item.portfolio_id,
            attempts,
            "; ".join(errors),
        )
    elif not errors:
        log.debug(
            "notification %d (%s, %s) sent to the targets free; the others are busy",
            item.id,
            item.kind,
            item.portfolio_id,
        )
    else:
        log.warning(
            "notification %d (%s, %s) attempt %d failed, will retry: %s",
            item.id,
            item.kind,
            item.portfolio_id,
            attempts,
            "; ".join(errors),
        )
