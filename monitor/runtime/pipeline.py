"""One tick of one portfolio entry: claim, fetch, compute, then persist and decide at once.

The only place that wires a tick together. The claim is its own short transaction (so the
fetch holds no lock); the snapshots, the new alert states and the notifications are then
written in ONE transaction, so a crash leaves either all of them or none. A tick that
raises anyway (a bug, the database failing mid-write) is ended ``failed`` with the error as
its reason, in a transaction of its own.

Its phases live beside it: ``tick_reading.py`` reads the source a batch of accounts at a
time, ``tick_recording.py`` writes and decides each batch, ``tick_failures.py`` ends a tick
that failed; ``tick_context.py`` holds what they share.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from itertools import chain

from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.alerting import decide_source_recovery
from monitor.domain.allocation import AllocationReport, Allocator
from monitor.domain.fx import MissingRateError, in_base
from monitor.errors import ClaimLostError, InputError, SourceError, StoreError
from monitor.notify.tick_notices import TickNotifier
from monitor.runtime.gc_pause import collection_paused
from monitor.runtime.rates import TickRates
from monitor.runtime.tick_context import (
    Clock,
    TickContext,
    TickOutcome,
    account_id,
    elapsed_ms,
    utc_now,
)
from monitor.runtime.tick_failures import claim_lost, record_failure, record_internal_error
from monitor.runtime.tick_reading import (
    AccountBatch,
    SourceNotes,
    TickFailed,
    account_batches,
    source_batches,
    whole_batches,
)
from monitor.runtime.tick_recording import (
    BatchRecord,
    TickTotals,
    conclude,
    reasons,
    record_decisions,
    record_reports,
)
from monitor.settings import PortfolioSettings, Settings
from monitor.sources.base import NotStreamable
from monitor.store.alert_states import load_alert_states
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.silences import tick_quiet
from monitor.store.ticks import claim_tick
from monitor.store.transactions import write_transaction

log = logging.getLogger(__name__)


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
