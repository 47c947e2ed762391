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
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.alerting import (
    AlertDecision,
    SourceFailure,
    decide,
    decide_source_failure,
    decide_source_recovery,
)
from monitor.domain.allocation import AllocationReport, Allocator, Holding
from monitor.domain.fx import MissingRateError, in_base
from monitor.domain.numbers import total
from monitor.errors import ClaimLostError, InputError, MonitorError, SourceError, StoreError
from monitor.notify.tick_notices import TickNotifier
from monitor.runtime.gc_pause import collection_paused
from monitor.runtime.rates import tick_rates
from monitor.runtime.testing_hooks import pause_in_write
from monitor.settings import EntryConfig, PortfolioSettings, Settings
from monitor.sources.base import as_of, needs_classes
from monitor.store.alert_states import load_alert_states, save_alert_states
from monitor.store.engine import first_text_line
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.silences import record_suppressed, tick_quiet
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
    currency: str | None = None  # the value's, with a base currency


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


@dataclass(frozen=True, slots=True)
class TickContext:
    """What the write phase of one tick needs, gathered before its transaction opens."""

    settings: Settings
    entry: PortfolioSettings
    config: EntryConfig
    tick_id: int
    scheduled_at: datetime
    started_at: datetime
    clock: Clock
    notifier: TickNotifier

    def finish(
        self, session: Session, status: TickStatus, error: str | None, finished_at: datetime
    ) -> None:
        """End the claimed tick; ``ClaimLostError`` if another process took it over."""
        finish_tick(
            session=session,
            tick_id=self.tick_id,
            status=status,
            error=error,
            finished_at=finished_at,
            started_at=self.started_at,
        )


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
    config = settings.entry_config(entry.id)
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
    notifier = TickNotifier(settings, entry, config, tick_id)
    context = TickContext(
        settings, entry, config, tick_id, scheduled_at, started_at, clock, notifier
    )
    try:
        return run_claimed_tick(context, sessions)
    except ClaimLostError as lost:
        return claim_lost(context, lost)
    except Exception as error:
        # A bug, or the database failing mid-write (which rolled the write back): left as
        # it is, the claim would stay "running", unexplained, until its lease ran out. The
        # database's failure is no bug: its one line is the tick's reason, no traceback.
        if not isinstance(error, StoreError):
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
            context.finish(session, "failed", reason, now)
    except ClaimLostError as lost:
        return claim_lost(context, lost)
    except StoreError:
        raise  # the database is unusable: whoever ran the tick says so (once, see OutageLog)
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
    rest is the statement and its parameters, thousands of rows' worth). The monitor's own
    errors (the database unusable: ``StoreError``) read as they are."""
    line = first_text_line(str(error))
    if isinstance(error, MonitorError):
        return line
    return f"internal error: {type(error).__name__}" + (f": {line}" if line else "")


def run_claimed_tick(context: TickContext, sessions: sessionmaker[Session]) -> TickOutcome:
    """Fetch, compute, then write it all; ``ClaimLostError`` if the claim was taken over."""
    entry, clock, config = context.entry, context.clock, context.config
    try:
        fetched = entry.source.fetch()
        accounts = split_accounts(fetched, entry.source.describe())
    except SourceError as error:
        return record_failure(context, str(error), sessions)
    except Exception as error:  # a plugin's bug must not leave the tick claimed but unended
        log.exception("source of %s raised unexpectedly", entry.id)
        return record_failure(context, f"source error: {type(error).__name__}: {error}", sessions)
    base = config.base_currency
    try:
        rates = tick_rates(context.settings.fx, fetched, base, clock())
    except SourceError as error:
        return record_failure(context, str(error), sessions)
    taken_at = clock()
    # One for all the accounts: their targets and policy are read once, not per account. The
    # policy holds the plan's minimum trade too (smaller breaches raise no alert).
    allocator = Allocator(config.targets, config.policy, config.currency_targets)
    # A broker's export comes without classes: the entry's [classify] map gives them.
    classify = config.classifier.classify if needs_classes(fetched) else None
    reports: dict[str, AllocationReport] = {}
    left_out: dict[str, str] = {}  # the accounts that could not be computed, and why
    for account, holdings in accounts.items():
        try:
            classified = holdings if classify is None else classify(holdings)
            money = in_base(classified, base, rates)
            reports[account_id(entry, account)] = allocator.report(
                money.holdings, base_currency=money.base_currency, fx_rates=money.rates
            )
        except MissingRateError as error:  # the tick's rates lack it: no account can use it
            return record_failure(context, str(error), sessions)
        except InputError as error:
            left_out[account_id(entry, account)] = str(error)
    if not reports:
        return record_failure(context, reasons(left_out), sessions)
    return record_success(
        context, reports, left_out, taken_at, sessions, as_of(fetched), multi=None not in accounts
    )


def record_failure(
    context: TickContext, reason: str, sessions: sessionmaker[Session]
) -> TickOutcome:
    """The tick failed: keep the last good snapshot, count the failure, maybe say "stale"."""
    entry, notifier = context.entry, context.notifier
    now = context.clock()
    with write_transaction(sessions) as session:
        context.finish(session, "failed", reason, now)
        previous = load_alert_states(session=session, portfolio_ids=[entry.id], lock=True)
        decision = decide_source_failure(
            SourceFailure(reason), previous[entry.id], context.config.alerts, now
        )
        save_alert_states(
            session=session, states={entry.id: decision.state}, previous=previous, now=now
        )
        queued = notifier.enqueue(session, notifier.of_failure(decision, now), now)
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
    left_out: dict[str, str],
    taken_at: datetime,
    sessions: sessionmaker[Session],
    holdings_as_of: datetime | None,
    *,
    multi: bool,
) -> TickOutcome:
    entry, notifier = context.entry, context.notifier
    policy = context.config.alerts
    status: TickStatus = "partial" if left_out else "ok"
    currencies = {report.base_currency for report in reports.values()}
    with write_transaction(sessions) as session:
        context.finish(session, status, reasons(left_out) or None, context.clock())
        if multi:
            ensure_portfolios(
                session=session,
                portfolios=[NewPortfolio(pid, pid, entry.id) for pid in [*reports, *left_out]],
                now=taken_at,
            )
        save_snapshots(
            session=session,
            snapshots=[
                NewSnapshot(
                    pid, context.tick_id, taken_at, report, entry.store_holdings, holdings_as_of
                )
                for pid, report in reports.items()
            ],
        )
        ids = [entry.id, *reports, *left_out] if multi else [entry.id]
        previous = load_alert_states(session=session, portfolio_ids=ids, lock=True)
        decisions: dict[str, AlertDecision] = {}
        if multi:
            decisions[entry.id] = decide_source_recovery(previous[entry.id], policy)
        quiet = tick_quiet(session=session, entry_id=entry.id)
        for pid, report in reports.items():
            decisions[pid] = decide(report, previous[pid], policy, taken_at, quiet(pid))
        # An account left out counts as its own source failing: stale data (naming why,
        # its unclassified symbols say) after stale_after ticks, as for an entry's source.
        for pid, reason in left_out.items():
            failure = SourceFailure(reason)
            decisions[pid] = decide_source_failure(failure, previous[pid], policy, taken_at)
        record_suppressed(
            session=session,
            tick_id=context.tick_id,
            decided_at=taken_at,
            held=[(pid, s) for pid, d in decisions.items() for s in d.suppressed],
        )
        save_alert_states(
            session=session,
            states={pid: d.state for pid, d in decisions.items()},
            previous=previous,
            now=taken_at,
        )
        if notifier.routed:
            notifications = notifier.of_decisions(reports, decisions, taken_at, multi=multi)
            queued = notifier.enqueue(session, notifications, taken_at)
        else:  # nothing goes out: no payload is rendered (a big digest takes time to)
            queued = notifier.log_unsent(sum(len(d.notices) for d in decisions.values()))
        pause_in_write(entry.id, context.scheduled_at)
    return TickOutcome(
        entry.id,
        context.scheduled_at,
        status,
        accounts=len(reports),
        # Accounts in different currencies (no base to convert them into) have no total.
        value=None if len(currencies) > 1 else total(r.portfolio_value for r in reports.values()),
        worst_drift=max(r.worst_drift for r in reports.values()),
        out_of_band=sum(r.needs_rebalancing for r in reports.values()),
        notifications=queued,
        error=reasons(left_out) or None,
        duration_ms=elapsed_ms(context.started_at, context.clock()),
        currency=next(iter(currencies)),
    )


def reasons(left_out: dict[str, str]) -> str:
    """``family/b: ...; family/c: ...``: why each account was left out."""
    return "; ".join(f"{pid}: {reason}" for pid, reason in left_out.items())


def elapsed_ms(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() * 1000)
