"""Prometheus metrics: what the store says now, and what this process has done since it started.

Two kinds, both in a registry of the app's own (never the global one, so that two apps in
one process, as in tests, do not share counts):

- Read from the store at scrape time (``StoreCollector``): each configured entry's value,
  drift, whether it needs rebalancing, when it last ticked, since when it drifts, and the
  outbox's counts. Every replica answers the same for these; aggregate them with ``max``.
  Labels are config entries, never the accounts of a multi-account entry: an entry with
  thousands of accounts is summed up (value, worst drift, accounts out of band) so that the
  number of series follows the config, not the data.
- Counted by the daemon of this process (``DaemonMetrics``): ticks by outcome, tick
  failures, tick duration, notification delivery rounds by outcome, runs skipped because
  the previous one was still going. Per process; ``sum``
  them over replicas. An API started alone (``serve``) has none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from monitor.runtime.outage_log import OutageLog
from monitor.settings import Settings
from monitor.store.outbox import outbox_counts
from monitor.store.overview import EntryFigures, drifted_since, entry_figures
from monitor.store.silences import suppressed_counts
from monitor.store.ticks import TickRecord, latest_ticks

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from monitor.notify.rounds import DrainResult
    from monitor.runtime.tick_context import TickOutcome

log = logging.getLogger(__name__)

PREFIX = "allocation_monitor_"
# Ticks take milliseconds with a file source, seconds with a slow HTTP one, and up to
# minutes when a source retries; failures show at the top of the range.
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
DELIVERY_OUTCOMES = ("sent", "retry", "dead")


class DaemonMetrics(Collector):
    """The scheduler's counts; registered in the app's registry by ``create_app``."""

    def __init__(self, portfolio_ids: Iterable[str] = (), tasks: Iterable[str] = ()) -> None:
        self.ticks = Counter(
            PREFIX + "ticks",
            "Ticks run by this process, by entry and outcome (ok, partial, failed, skipped "
            "when another replica had the slot, error when the store failed).",
            ["portfolio", "status"],
            registry=None,
        )
        self.tick_failures = Counter(
            PREFIX + "tick_failures",
            "Ticks that failed (source or input problem) or could not run (store problem).",
            ["portfolio"],
            registry=None,
        )
        self.tick_duration = Histogram(
            PREFIX + "tick_duration_seconds",
            "How long a tick took, from its claim to its last write (skipped ones excluded).",
            ["portfolio"],
            buckets=TICK_BUCKETS,
            registry=None,
        )
        self.notification_attempts = Counter(
            PREFIX + "notification_attempts",
            "Delivery rounds of outbox notifications, by outcome: sent, retry (failed, will "
            "be retried), dead (failed for good).",
            ["outcome"],
            registry=None,
        )
        self.skipped_runs = Counter(
            PREFIX + "skipped_runs",
            "Scheduled runs skipped because the task's previous run was still going, by task "
            "(the scheduler's job id: tick:<portfolio>, drain, retention).",
            ["task"],
            registry=None,
        )
        # Series that exist from the start, at 0, so that rate() and increase() see the
        # first failure rather than the birth of a series.
        for portfolio_id in portfolio_ids:
            self.tick_failures.labels(portfolio_id)
        for task in tasks:
            self.skipped_runs.labels(task)
        for outcome in DELIVERY_OUTCOMES:
            self.notification_attempts.labels(outcome)

    def observe_tick(self, outcome: TickOutcome) -> None:
        self.ticks.labels(outcome.portfolio_id, outcome.status).inc()
        if outcome.status == "skipped":
            return
        self.tick_duration.labels(outcome.portfolio_id).observe(outcome.duration_ms / 1000)
        if outcome.status == "failed":
            self.tick_failures.labels(outcome.portfolio_id).inc()

    def observe_tick_error(self, portfolio_id: str) -> None:
        self.ticks.labels(portfolio_id, "error").inc()
        self.tick_failures.labels(portfolio_id).inc()

    def observe_drain(self, result: DrainResult) -> None:
        for outcome, count in zip(
            DELIVERY_OUTCOMES, (result.sent, result.retrying, result.dead), strict=True
        ):
            if count:
                self.notification_attempts.labels(outcome).inc(count)

    def observe_skipped_run(self, task: str) -> None:
        self.skipped_runs.labels(task).inc()

    def collect(self) -> Iterator[Metric]:
        for instrument in (
            self.ticks,
            self.tick_failures,
            self.tick_duration,
            self.notification_attempts,
            self.skipped_runs,
        ):
            yield from instrument.collect()


def gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, documentation, labels=labels)


@dataclass(frozen=True, slots=True)
class StoreReading:
    """What one scrape reads of the store."""

    figures: list[EntryFigures]
    drifted_since: dict[str, datetime]
    ticks: dict[str, TickRecord]
    outbox: dict[str, int]
    suppressed: dict[str, int]


class StoreCollector(Collector):
    """Reads the store on each scrape; a database it cannot reach is ``database_up 0``."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], outages: OutageLog
    ) -> None:
        self.entry_ids = settings.portfolio_ids
        self.base_currency_of = settings.base_currency_of
        self.sessions = sessions
        self.outages = outages

    def collect(self) -> Iterator[Metric]:
        up = gauge("database_up", "1 when the last scrape could read the database.", [])
        try:
            reading = self.read()
        except Exception as error:  # whatever the driver says, /metrics still answers
            self.outages.failed("/metrics", error)
            up.add_metric([], 0)
            yield up
            return
        self.outages.recovered("/metrics")
        up.add_metric([], 1)
        yield up
        yield from entry_gauges(reading.figures, self.base_currency_of)
        yield since_gauge(
            "last_tick_timestamp_seconds",
            "Scheduled time of the entry's latest tick, whatever its outcome.",
            {portfolio_id: tick.scheduled_at for portfolio_id, tick in reading.ticks.items()},
        )
        yield since_gauge(
            "drifted_since_timestamp_seconds",
            "Since when the entry (its longest-drifted account) is out of band; absent in band.",
            reading.drifted_since,
        )
        notifications = gauge(
            "outbox_notifications", "Notifications in the outbox, by status.", ["status"]
        )
        for status, count in reading.outbox.items():
            notifications.add_metric([status], count)
        yield notifications
        suppressed = gauge(
            "suppressed_notices",
            "Notices a silence or an acknowledgement held back (as recorded), by kind.",
            ["kind"],
        )
        for kind, count in reading.suppressed.items():
            suppressed.add_metric([kind], count)
        yield suppressed

    def read(self) -> StoreReading:
        with self.sessions() as session:
            return StoreReading(
                figures=entry_figures(session=session, entry_ids=self.entry_ids),
                drifted_since=drifted_since(session=session, entry_ids=self.entry_ids),
                ticks=latest_ticks(session=session, portfolio_ids=self.entry_ids),
                outbox=outbox_counts(session=session),
                suppressed=suppressed_counts(session=session),
            )


def entry_gauges(
    figures: list[EntryFigures], base_currency_of: Callable[[str], str | None]
) -> list[GaugeMetricFamily]:
    """Each entry's latest snapshot(s): value, drifts, accounts, and when it was taken.
    ``base_currency_of``: the currency of an entry whose snapshots name none (written
    before currencies, or single-currency mode: none at all)."""
    value = gauge(
        "portfolio_value",
        "Value of the entry at its latest snapshot(s), in the currency named by the currency "
        "label (empty in single-currency mode); accounts each in its own currency, without a "
        "base currency, are summed per currency.",
        ["portfolio", "currency"],
    )
    drift = gauge(
        "drift_percent",
        "Drift of an asset class from its target, in percentage points (single-portfolio "
        "entries only).",
        ["portfolio", "asset_class"],
    )
    worst = gauge(
        "worst_drift_percent",
        "Largest absolute drift of any class (of any account), in percentage points.",
        ["portfolio"],
    )
    rebalance = gauge(
        "needs_rebalancing", "1 when the entry (any of its accounts) is out of band.", ["portfolio"]
    )
    accounts = gauge("accounts", "Accounts in the entry's latest tick.", ["portfolio"])
    out_of_band = gauge(
        "accounts_needing_rebalancing", "Accounts out of band at the latest tick.", ["portfolio"]
    )
    taken = gauge(
        "snapshot_timestamp_seconds", "When the latest snapshot was taken.", ["portfolio"]
    )
    for f in figures:
        for currency, amount in values_by_currency(f, base_currency_of).items():
            value.add_metric([f.portfolio_id, currency], float(amount))
        for asset_class, class_drift in f.class_drifts.items():
            drift.add_metric([f.portfolio_id, asset_class], float(class_drift))
        worst.add_metric([f.portfolio_id], float(f.worst_drift))
        rebalance.add_metric([f.portfolio_id], int(f.needs_rebalancing))
        accounts.add_metric([f.portfolio_id], f.accounts)
        out_of_band.add_metric([f.portfolio_id], f.accounts_needing_rebalancing)
        taken.add_metric([f.portfolio_id], f.taken_at.timestamp())
    return [value, drift, worst, rebalance, accounts, out_of_band, taken]


def values_by_currency(
    figures: EntryFigures, base_currency_of: Callable[[str], str | None]
) -> dict[str, Decimal]:
    """The entry's value per currency, a snapshot naming none counted in the configured one."""
    found: dict[str, Decimal] = {}
    for currency, amount in figures.values.items():
        named = currency or base_currency_of(figures.portfolio_id) or ""
        found[named] = found.get(named, Decimal(0)) + amount
    return found


def since_gauge(name: str, documentation: str, moments: dict[str, datetime]) -> GaugeMetricFamily:
    """A moment per entry, as a Unix timestamp."""
    found = gauge(name, documentation, ["portfolio"])
    for portfolio_id, at in moments.items():
        found.add_metric([portfolio_id], at.timestamp())
    return found


def metrics_registry(
    settings: Settings,
    sessions: sessionmaker[Session] | None,
    daemon_metrics: DaemonMetrics | None,
    outages: OutageLog,
) -> CollectorRegistry:
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    if sessions is not None:
        registry.register(StoreCollector(settings, sessions, outages))
    if daemon_metrics is not None:
        registry.register(daemon_metrics)
    return registry
