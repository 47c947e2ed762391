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


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a round makes of its row."""

    status: str  # pending (due again: now, or after a backoff), sent or dead
    outcome: DrainResult
    attempts: int
    next_attempt_at: datetime
    errors: list[str]


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
    results, failure = attempt(item, notify, deferred, sent, settings.api.public_url)
    now = clock()
    verdict = judge(item, results, failure, deferred, notify, now)
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
            status=verdict.status,
            attempts=verdict.attempts,
            delivered_targets=[*item.delivered_targets, *(r.key for r in results if r.ok)],
            next_attempt_at=verdict.next_attempt_at,
            # A round that only waited on a busy target keeps the last failure's reason.
            last_error="; ".join(verdict.errors)
            or (item.last_error if verdict.status == "pending" else None),
            sent_at=now if verdict.status == "sent" else None,
        )
    log_outcome(item, verdict.status, verdict.attempts, verdict.errors)
    return verdict.outcome


def attempt(
    item: OutboxItem,
    notify: NotifySettings,
    deferred: frozenset[str],
    sent: Callable[[str], None],
    public_url: str | None,
) -> tuple[list[TargetResult], DeliveryError | None]:
    """Each target's result, and what kept the whole route from being tried, if anything."""
    try:
        message = render_for(item.payload, notify, alert_id=item.id, public_url=public_url)
        results = deliver(
            Route.from_settings(notify),
            message,
            skip_keys=frozenset(item.delivered_targets) | deferred,
            timeout=notify.timeout.total_seconds(),
            sent=sent,
        )
    except DeliveryError as error:
        return [], error
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
        return [], DeliveryError("unexpected error", f"{type(error).__name__}: {error}")
    return results, None


def judge(
    item: OutboxItem,
    results: list[TargetResult],
    failure: DeliveryError | None,
    deferred: frozenset[str],
    notify: NotifySettings,
    now: datetime,
) -> Verdict:
    attempts = item.attempts + 1
    errors = [f"{r.name}: {r.error}" for r in results if not r.ok]
    if failure is not None:
        errors.append(str(failure))
    if not errors and deferred:
        # Not an attempt that failed: the rest goes as soon as its targets are free.
        return Verdict("pending", DrainResult(), item.attempts, now, errors)
    if not errors:
        return Verdict("sent", DrainResult(sent=1), attempts, now, errors)
    if (failure is not None and failure.permanent) or attempts >= notify.max_attempts:
        return Verdict("dead", DrainResult(dead=1), attempts, now, errors)
    retry_at = now + backoff(attempts, notify)
    return Verdict("pending", DrainResult(retrying=1), attempts, retry_at, errors)


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
