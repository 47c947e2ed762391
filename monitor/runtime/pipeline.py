"""One tick of one portfolio entry: claim, fetch, compute, then persist and decide at once.

The only place that wires a tick together. The claim is its own short transaction (so the
fetch holds no lock); the snapshots, the new alert states and the notifications are then
written in ONE transaction, so a crash leaves either all of them or none. A tick that
raises anyway (a bug, the database failing mid-write) is ended ``failed`` with the error as
its reason, in a transaction of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.alerting import (
    AlertDecision,
    AlertState,
    SourceFailure,
    decide,
    decide_source_failure,
    decide_source_recovery,
)
from monitor.domain.allocation import AllocationReport, Allocator
from monitor.domain.fx import MissingRateError, in_base
from monitor.domain.numbers import total
from monitor.domain.silences import Quiet
from monitor.errors import ClaimLostError, InputError, MonitorError, SourceError, StoreError
from monitor.notify.payloads import Digest
from monitor.notify.tick_notices import TickNotifier
from monitor.runtime.gc_pause import collection_paused
from monitor.runtime.rates import TickRates
from monitor.runtime.testing_hooks import pause_in_write
from monitor.runtime.tick_reading import (
    AccountBatch,
    SourceNotes,
    TickFailed,
    account_batches,
    source_batches,
    whole_batches,
)
from monitor.settings import EntryConfig, PortfolioSettings, Settings
from monitor.sources.base import NotStreamable
from monitor.store.alert_states import load_alert_states, save_alert_states
from monitor.store.engine import first_text_line
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.silences import record_suppressed, tick_quiet
from monitor.store.snapshots import NewSnapshot, save_snapshots
from monitor.store.ticks import claim_tick, finish_tick, restate_tick
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
    """Read, compute and write it all, a batch of accounts at a time in one transaction;
    ``ClaimLostError`` if the claim was taken over."""
    # Made once for the tick, whichever way its source is read: its rates are fetched once.
    rates = TickRates(context.settings.fx, context.config.base_currency, context.clock())
    try:
        try:
            notes = SourceNotes()
            batches = account_batches(source_batches(context.entry, notes, whole=False))
            return record_batches(context, batches, notes, rates, sessions)
        except NotStreamable:
            # Not to be read a piece at a time after all (what was written rolled back):
            # read whole, which names what is wrong, or joins an account's scattered rows.
            notes = SourceNotes()
            batches = whole_batches(context.entry, notes)
            return record_batches(context, batches, notes, rates, sessions)
    except SourceError as error:
        return record_failure(context, str(error), sessions)
    except TickFailed as failed:
        return record_failure(context, failed.reason, sessions)


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


@dataclass
class TickTotals:
    """What a tick's outcome says of all its accounts, summed batch after batch."""

    accounts: int = 0
    value: Decimal = Decimal(0)
    worst_drift: Decimal | None = None
    out_of_band: int = 0
    notices: int = 0
    queued: int = 0
    left_out: dict[str, str] = field(default_factory=dict)  # accounts not computed, why
    currencies: set[str | None] = field(default_factory=set)  # the accounts' values are in

    def add(self, reports: dict[str, AllocationReport]) -> None:
        self.accounts += len(reports)
        self.currencies.update(r.base_currency for r in reports.values())
        self.value += total(r.portfolio_value for r in reports.values())
        worst = max((r.worst_drift for r in reports.values()), default=None)
        if worst is not None and (self.worst_drift is None or worst > self.worst_drift):
            self.worst_drift = worst
        self.out_of_band += sum(r.needs_rebalancing for r in reports.values())


def record_batches(
    context: TickContext,
    batches: Iterator[AccountBatch],
    notes: SourceNotes,
    rates: TickRates,
    sessions: sessionmaker[Session],
) -> TickOutcome:
    """Compute, write and decide each batch of accounts, all in one transaction: a crash
    leaves all of the tick or none of it. ``TickFailed`` when no account can be computed."""
    entry, notifier = context.entry, context.notifier
    # Before the transaction opens: a source read whole (most kinds) is read here, and one
    # read a piece at a time gives its first piece.
    first = next(batches, None)
    if first is None:
        raise TickFailed("")
    multi = first[0][0] is not None
    taken_at = context.clock()
    # One for all the accounts: their targets and policy are read once, not per account. The
    # policy holds the plan's minimum trade too (smaller breaches raise no alert).
    config = context.config
    allocator = Allocator(config.targets, config.policy, config.currency_targets)
    # Rates the first batch needs are fetched before the transaction opens (SQLite's
    # write lock is not held over a request); a later batch's, when it comes.
    rates.of(holding for _, holdings in first for holding in holdings)
    totals = TickTotals()
    with write_transaction(sessions) as session:
        context.finish(session, "ok", None, context.clock())
        quiet = tick_quiet(session=session, entry_id=entry.id)
        # Nothing goes out without a route: no payload is rendered (a big digest takes time).
        digest = notifier.digest(taken_at, multi=multi) if notifier.routed else None
        if multi:
            previous = load_alert_states(session=session, portfolio_ids=[entry.id], lock=True)
            recovery = decide_source_recovery(previous[entry.id], context.config.alerts)
            decided = {entry.id: recovery}
            record_decisions(context, session, {}, decided, previous, digest, totals, taken_at)
        for batch in chain([first], batches):
            reports, left_out = computed(context, allocator, batch, notes, rates)
            dates = {account_id(entry, a): notes.as_of_account(a) for a, _ in batch}
            record = BatchRecord(reports, left_out, dates, quiet, digest, multi)
            record_reports(context, session, record, taken_at, totals)
        status = conclude(context, session, digest, totals, taken_at)
    return TickOutcome(
        entry.id,
        context.scheduled_at,
        status,
        accounts=totals.accounts,
        # Accounts in different currencies (no base to convert them into) have no total.
        value=totals.value if len(totals.currencies) <= 1 else None,
        worst_drift=totals.worst_drift,
        out_of_band=totals.out_of_band,
        notifications=totals.queued,
        error=reasons(totals.left_out) or None,
        duration_ms=elapsed_ms(context.started_at, context.clock()),
        currency=next(iter(totals.currencies)) if len(totals.currencies) == 1 else None,
    )


def computed(
    context: TickContext,
    allocator: Allocator,
    batch: AccountBatch,
    notes: SourceNotes,
    rates: TickRates,
) -> tuple[dict[str, AllocationReport], dict[str, str]]:
    """The reports of a batch's accounts, classified then converted into the base currency,
    and the accounts that cannot be computed, with why (the tick is then partial).
    ``TickFailed`` for a rate the tick's rates lack: no account can use it."""
    # A broker's export comes without classes: the entry's [classify] map gives them.
    classify = context.config.classifier.classify if notes.unclassified else None
    base = context.config.base_currency
    reports: dict[str, AllocationReport] = {}
    left_out: dict[str, str] = {}
    for account, holdings in batch:
        pid = account_id(context.entry, account)
        try:
            classified = holdings if classify is None else classify(holdings)
            money = in_base(classified, base, rates.of(classified))
            reports[pid] = allocator.report(
                money.holdings, base_currency=money.base_currency, fx_rates=money.rates
            )
        except MissingRateError as error:
            raise TickFailed(str(error)) from None
        except InputError as error:
            left_out[pid] = str(error)
    return reports, left_out


def conclude(
    context: TickContext,
    session: Session,
    digest: Digest | None,
    totals: TickTotals,
    taken_at: datetime,
) -> TickStatus:
    """The tick's status once every batch is written, and its digest queued; ``TickFailed``
    if no account could be computed."""
    notifier = context.notifier
    if not totals.accounts:
        raise TickFailed(reasons(totals.left_out))
    status: TickStatus = "partial" if totals.left_out else "ok"
    if totals.left_out:
        error = reasons(totals.left_out)
        restate_tick(session=session, tick_id=context.tick_id, status=status, error=error)
    if notifier.routed:
        totals.queued += notifier.enqueue(session, notifier.of_digest(digest), taken_at)
    else:
        notifier.log_unsent(totals.notices)
    pause_in_write(context.entry.id, context.scheduled_at)
    return status


@dataclass
class BatchRecord:
    """A batch of accounts as computed, and what its record needs of the tick."""

    reports: dict[str, AllocationReport]
    left_out: dict[str, str]  # the accounts that could not be computed, and why
    as_of: dict[str, datetime | None]  # the time each account's holdings are of, if said
    quiet: Callable[[str], Quiet]  # a portfolio's silences and acknowledgement
    digest: Digest | None
    multi: bool


def record_reports(
    context: TickContext,
    session: Session,
    batch: BatchRecord,
    taken_at: datetime,
    totals: TickTotals,
) -> None:
    """One batch of accounts: their snapshots, decisions and notifications."""
    reports, left_out = batch.reports, batch.left_out
    totals.left_out.update(left_out)
    if not reports and not left_out:
        return
    entry = context.entry
    if batch.multi:
        ensure_portfolios(
            session=session,
            portfolios=[NewPortfolio(pid, pid, entry.id) for pid in [*reports, *left_out]],
            now=taken_at,
        )
    save_snapshots(
        session=session,
        snapshots=[
            NewSnapshot(
                pid, context.tick_id, taken_at, report, entry.store_holdings, batch.as_of[pid]
            )
            for pid, report in reports.items()
        ],
    )
    ids = [*reports, *left_out]
    previous = load_alert_states(session=session, portfolio_ids=ids, lock=True)
    policy = context.config.alerts
    decisions = {
        pid: decide(r, previous[pid], policy, taken_at, batch.quiet(pid))
        for pid, r in reports.items()
    }
    # An account left out counts as its own source failing: stale data (naming why,
    # its unclassified symbols say) after stale_after ticks, as for an entry's source.
    for pid, reason in left_out.items():
        failure = SourceFailure(reason)
        decisions[pid] = decide_source_failure(failure, previous[pid], policy, taken_at)
    record_decisions(context, session, reports, decisions, previous, batch.digest, totals, taken_at)
    totals.add(reports)


def record_decisions(
    context: TickContext,
    session: Session,
    reports: dict[str, AllocationReport],
    decisions: dict[str, AlertDecision],
    previous: dict[str, AlertState],
    digest: Digest | None,
    totals: TickTotals,
    taken_at: datetime,
) -> None:
    """Save the decisions' states, record what silences held back, and queue their notices
    (or count them, unrouted)."""
    notifier = context.notifier
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
        notifications = notifier.of_decisions(reports, decisions, taken_at, digest=digest)
        totals.queued += notifier.enqueue(session, notifications, taken_at)
    else:
        totals.notices += sum(len(d.notices) for d in decisions.values())


def reasons(left_out: dict[str, str]) -> str:
    """``family/b: ...; family/c: ...``: why each account was left out."""
    return "; ".join(f"{pid}: {reason}" for pid, reason in left_out.items())


def elapsed_ms(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() * 1000)
