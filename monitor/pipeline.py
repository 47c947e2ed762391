"""One tick of one portfolio entry: claim, fetch, compute, then persist and decide at once.

The only place that wires a tick together. The claim is its own short transaction (so the
fetch holds no lock); the snapshots, the new alert states and the notifications are then
written in ONE transaction, so a crash leaves either all of them or none. A tick that
raises anyway (a bug, the database failing mid-write) is ended ``failed`` with the error as
its reason, in a transaction of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from monitor.alerting import (
    AlertDecision,
    AlertPolicy,
    SourceFailure,
    decide,
    decide_source_failure,
    decide_source_recovery,
)
from monitor.allocation import AllocationReport, Allocator, Holding
from monitor.collection import collection_paused
from monitor.errors import ClaimLostError, InputError, SourceError
from monitor.notify.alert_plans import AlertPlanner
from monitor.notify.payloads import (
    AccountOutcome,
    PortfolioRef,
    digest_payload,
    notice_payload,
)
from monitor.notify.routing import has_route, message_title
from monitor.settings import NotifySettings, PortfolioSettings, Settings
from monitor.store.alert_states import load_alert_states, save_alert_states
from monitor.store.outbox import NewNotification, enqueue_notifications
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots
from monitor.store.ticks import claim_tick, finish_tick
from monitor.store.transactions import write_transaction

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
TickStatus = Literal["ok", "partial", "failed", "skipped"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TickOutcome:
    portfolio_id: str
    scheduled_at: datetime
    status: TickStatus
    accounts: int = 0
    value: Decimal | None = None
    worst_drift: Decimal | None = None
    out_of_band: int = 0
    notifications: int = 0
    error: str | None = None
    duration_ms: int = 0


def alert_policy(notify: NotifySettings) -> AlertPolicy:
    return AlertPolicy(
        cooldown=notify.cooldown,
        escalation_step=notify.escalation_step,
        send_resolved=notify.send_resolved,
        stale_after=notify.stale_after,
        stale_cooldown=notify.stale_cooldown,
    )


def split_accounts(holdings: list[Holding], source: str) -> dict[str | None, list[Holding]]:
    """``{None: all}`` for a single portfolio, else one list per account."""
    accounts: dict[str | None, list[Holding]] = {}
    # A run of one account's rows at a time: an export lists each account's rows together.
    for account, run in groupby(holdings, key=attrgetter("account")):
        accounts.setdefault(account, []).extend(run)
    if None in accounts and len(accounts) > 1:
        raise SourceError(source, "some holdings name an account and others do not")
    return accounts


def account_id(entry: PortfolioSettings, account: str | None) -> str:
    return entry.id if account is None else f"{entry.id}/{account}"


@dataclass
class TickContext:
    """What the write phase of one tick needs, gathered before its transaction opens."""

    settings: Settings
    entry: PortfolioSettings
    tick_id: int
    scheduled_at: datetime
    started_at: datetime
    clock: Clock
    notify: NotifySettings  # the entry's routing and alert settings, worked out once
    # What the user's templates raised this tick, each logged once (not once per account).
    template_problems: set[str] = field(default_factory=set)

    def ref(self, portfolio_id: str, name: str) -> PortfolioRef:
        return PortfolioRef(portfolio_id, name, self.settings.timezone)

    def notification(self, portfolio_id: str, payload: dict[str, Any]) -> NewNotification:
        return NewNotification(
            portfolio_id=portfolio_id,
            route=self.entry.id,
            kind=payload["kind"],
            title=self.title(payload),
            payload=payload,
            tick_id=self.tick_id,
        )

    def title(self, payload: dict[str, Any]) -> str:
        """The title the entry's templates give; the shipped templates' when the user's
        raise (their code: anything may go wrong in it), so that the tick and its alert are
        stored all the same. Sending renders the message again, and fails naming the
        template, until the template is fixed."""
        try:
            return message_title(payload, self.notify)
        except Exception as error:
            if not self.notify.templates_dir:
                raise  # the shipped templates failed: a bug of ours, which fails the tick
            problem = str(error)
            if problem not in self.template_problems:
                self.template_problems.add(problem)
                log.warning(
                    "%s: a %s message cannot be rendered with the templates in %s (%s); its "
                    "alert is stored with the shipped templates' title, and sending it fails "
                    "until the template is fixed",
                    self.entry.id,
                    payload["kind"],
                    self.notify.templates_dir,
                    problem,
                )
            return message_title(payload, self.notify.model_copy(update={"templates_dir": ""}))


@collection_paused()
def run_tick(
    entry: PortfolioSettings,
    settings: Settings,
    scheduled_at: datetime,
    *,
    sessions: sessionmaker[Session],
    clock: Clock = utc_now,
) -> TickOutcome:
    """Run the tick of ``entry`` scheduled at ``scheduled_at``, unless another process has."""
    started_at = clock()
    with write_transaction(sessions) as session:
        ensure_portfolios(
            session=session, portfolios=[NewPortfolio(entry.id, entry.title)], now=started_at
        )
        tick_id = claim_tick(
            session=session,
            portfolio_id=entry.id,
            scheduled_at=scheduled_at,
            started_at=started_at,
        )
    if tick_id is None:
        return TickOutcome(entry.id, scheduled_at, "skipped")
    context = TickContext(
        settings, entry, tick_id, scheduled_at, started_at, clock, settings.notify_of(entry)
    )
    try:
        return run_claimed_tick(context, sessions)
    except ClaimLostError as lost:
        return claim_lost(context, lost)
    except Exception as error:
        # A bug, or the database failing mid-write (which rolled the write back): left as
        # it is, the claim would stay "running", unexplained, until its lease ran out.
        log.exception("tick %s @ %s raised unexpectedly", entry.id, scheduled_at.isoformat())
        return record_internal_error(context, error, sessions)


def claim_lost(context: TickContext, lost: ClaimLostError) -> TickOutcome:
    log.warning("tick %s @ %s: %s", context.entry.id, context.scheduled_at.isoformat(), lost)
    return TickOutcome(context.entry.id, context.scheduled_at, "skipped")


def record_internal_error(
    context: TickContext, error: Exception, sessions: sessionmaker[Session]
) -> TickOutcome:
    """End the tick failed, with the error as its reason, and decide nothing: deciding (or
    writing what was decided) is what raised, and would raise again. If even this write
    fails, the error goes up and the claim waits for its lease to run out."""
    entry = context.entry
    reason = internal_reason(error)
    now = context.clock()
    try:
        with write_transaction(sessions) as session:
            finish_tick(
                session=session,
                tick_id=context.tick_id,
                status="failed",
                error=reason,
                finished_at=now,
                started_at=context.started_at,
            )
    except ClaimLostError as lost:
        return claim_lost(context, lost)
    except Exception:
        log.exception(
            "tick %s @ %s: its failure could not be stored either",
            entry.id,
            context.scheduled_at.isoformat(),
        )
        raise
    return TickOutcome(
        entry.id,
        context.scheduled_at,
        "failed",
        error=reason,
        duration_ms=elapsed_ms(context.started_at, now),
    )


def internal_reason(error: Exception) -> str:
    """``internal error: TypeError: ...``; of a database error, its first line only (the
    rest is the statement and its parameters, thousands of rows' worth)."""
    lines = str(error).strip().splitlines()
    return f"internal error: {type(error).__name__}" + (f": {lines[0]}" if lines else "")


def run_claimed_tick(context: TickContext, sessions: sessionmaker[Session]) -> TickOutcome:
    """Fetch, compute, then write it all; ``ClaimLostError`` if the claim was taken over."""
    entry, settings, clock = context.entry, context.settings, context.clock
    try:
        accounts = split_accounts(entry.source.fetch(), entry.source.describe())
    except SourceError as error:
        return record_failure(context, str(error), sessions)
    except Exception as error:  # a plugin's bug must not leave the tick claimed but unended
        log.exception("source of %s raised unexpectedly", entry.id)
        return record_failure(context, f"source error: {type(error).__name__}: {error}", sessions)
    taken_at = clock()
    # One for all the accounts: their targets and policy are read once, not per account. The
    # policy holds the plan's minimum trade too (smaller breaches raise no alert).
    allocator = Allocator(settings.targets_of(entry), settings.policy_of(entry))
    reports: dict[str, AllocationReport] = {}
    problems: list[str] = []
    for account, holdings in accounts.items():
        try:
            reports[account_id(entry, account)] = allocator.report(holdings)
        except InputError as error:
            problems.append(f"{account_id(entry, account)}: {error}")
    if not reports:
        return record_failure(context, "; ".join(problems), sessions)
    return record_success(
        context, reports, problems, taken_at, sessions, multi=None not in accounts
    )


def record_failure(
    context: TickContext, reason: str, sessions: sessionmaker[Session]
) -> TickOutcome:
    """The tick failed: keep the last good snapshot, count the failure, maybe say "stale"."""
    entry = context.entry
    now = context.clock()
    with write_transaction(sessions) as session:
        finish_tick(
            session=session,
            tick_id=context.tick_id,
            status="failed",
            error=reason,
            finished_at=now,
            started_at=context.started_at,
        )
        previous = load_alert_states(session=session, portfolio_ids=[entry.id], lock=True)
        decision = decide_source_failure(
            SourceFailure(reason), previous[entry.id], alert_policy(context.notify), now
        )
        save_alert_states(
            session=session, states={entry.id: decision.state}, previous=previous, now=now
        )
        notifications = [
            context.notification(
                entry.id,
                notice_payload(
                    context.ref(entry.id, entry.title),
                    notice,
                    taken_at=now,
                    report=None,
                    state=decision.state,
                ),
            )
            for notice in decision.notices
        ]
        queued = enqueue_if_routed(session, context, notifications, now)
    log.warning("tick %s failed: %s", entry.id, reason)
    return TickOutcome(
        entry.id,
        context.scheduled_at,
        "failed",
        notifications=queued,
        error=reason,
        duration_ms=elapsed_ms(context.started_at, now),
    )


def record_success(
    context: TickContext,
    reports: dict[str, AllocationReport],
    problems: list[str],
    taken_at: datetime,
    sessions: sessionmaker[Session],
    *,
    multi: bool,
) -> TickOutcome:
    entry = context.entry
    policy = alert_policy(context.notify)
    status: TickStatus = "partial" if problems else "ok"
    with write_transaction(sessions) as session:
        finish_tick(
            session=session,
            tick_id=context.tick_id,
            status=status,
            error="; ".join(problems) or None,
            finished_at=context.clock(),
            started_at=context.started_at,
        )
        if multi:
            ensure_portfolios(
                session=session,
                portfolios=[NewPortfolio(pid, pid, entry.id) for pid in reports],
                now=taken_at,
            )
        save_snapshots(
            session=session,
            snapshots=[
                NewSnapshot(pid, context.tick_id, taken_at, report, entry.store_holdings)
                for pid, report in reports.items()
            ],
        )
        ids = [entry.id, *reports] if multi else [entry.id]
        previous = load_alert_states(session=session, portfolio_ids=ids, lock=True)
        decisions: dict[str, AlertDecision] = {}
        if multi:
            decisions[entry.id] = decide_source_recovery(previous[entry.id], policy)
        for pid, report in reports.items():
            decisions[pid] = decide(report, previous[pid], policy, taken_at)
        save_alert_states(
            session=session,
            states={pid: d.state for pid, d in decisions.items()},
            previous=previous,
            now=taken_at,
        )
        if has_route(context.notify):
            notifications = notifications_of(context, reports, decisions, taken_at, multi=multi)
            queued = enqueue_if_routed(session, context, notifications, taken_at)
        else:  # nothing goes out: no payload is rendered (a 10,000-account digest: 0.3 s)
            queued = log_unsent(context, sum(len(d.notices) for d in decisions.values()))
    return TickOutcome(
        entry.id,
        context.scheduled_at,
        status,
        accounts=len(reports),
        value=sum((r.portfolio_value for r in reports.values()), Decimal(0)),
        worst_drift=max(r.worst_drift for r in reports.values()),
        out_of_band=sum(r.needs_rebalancing for r in reports.values()),
        notifications=queued,
        error="; ".join(problems) or None,
        duration_ms=elapsed_ms(context.started_at, context.clock()),
    )


def notifications_of(
    context: TickContext,
    reports: dict[str, AllocationReport],
    decisions: dict[str, AlertDecision],
    taken_at: datetime,
    *,
    multi: bool,
) -> list[NewNotification]:
    entry = context.entry
    grouped = multi and context.notify.group != "account"
    # A plan for each notice sent on its own; a digest stays compact (no account's plan).
    planner = None if grouped else AlertPlanner.of(context.settings, entry)
    found = []
    for pid, decision in decisions.items():
        report = reports.get(pid)
        for notice in decision.notices:
            # Account notices go into the digest below; entry-level ones (stale data,
            # recovery) and ungrouped accounts' notices are sent as they are.
            if grouped and report is not None:
                continue
            name = entry.title if pid == entry.id else pid
            payload = notice_payload(
                context.ref(pid, name),
                notice,
                taken_at=taken_at,
                report=report,
                state=decision.state,
                plan=None if planner is None else planner.plan_for(notice, report),
            )
            found.append(context.notification(pid, payload))
    if grouped:
        outcomes = [AccountOutcome(pid, reports[pid], decisions[pid].notices) for pid in reports]
        digest = digest_payload(context.ref(entry.id, entry.title), outcomes, taken_at=taken_at)
        if digest is not None:
            found.append(context.notification(entry.id, digest))
    return found


def enqueue_if_routed(
    session: Session, context: TickContext, notifications: list[NewNotification], now: datetime
) -> int:
    if not notifications:
        return 0
    if not has_route(context.notify):
        return log_unsent(context, len(notifications))
    enqueue_notifications(session=session, notifications=notifications, now=now)
    return len(notifications)


def log_unsent(context: TickContext, notices: int) -> int:
    """Say how many notices were decided for an entry without a notify route; none sent."""
    if notices:
        log.info(
            "%s: %d notice(s) decided but not sent: no notify route is configured",
            context.entry.id,
            notices,
        )
    return 0


def elapsed_ms(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() * 1000)
