"""A tick's batches recorded in its one write transaction: each batch's snapshots, its
accounts' alert decisions (what silences held back, the new states) and their notices
queued, summed into the tick's totals; then the tick concluded, ``ok`` or ``partial``.

``runtime/pipeline.py`` reads and computes the batches and opens the transaction; what is
written here commits with it, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from monitor.domain.alerting import (
    AlertDecision,
    AlertState,
    SourceFailure,
    decide,
    decide_source_failure,
)
from monitor.domain.allocation import AllocationReport
from monitor.domain.numbers import total
from monitor.domain.silences import Quiet
from monitor.notify.payloads import Digest
from monitor.runtime.testing_hooks import pause_in_write
from monitor.runtime.tick_context import TickContext, TickStatus
from monitor.runtime.tick_reading import TickFailed
from monitor.store.alert_states import load_alert_states, save_alert_states
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.silences import record_suppressed
from monitor.store.snapshots import NewSnapshot, save_snapshots
from monitor.store.ticks import restate_tick


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
