"""APScheduler wiring: one job per portfolio entry, the outbox drain, and daily retention.

The config is the source of truth for jobs; nothing about them is stored. Jobs run in a
thread pool: a portfolio never overlaps itself (``max_instances=1``), late runs coalesce
into one, and each run ticks the latest slot of its schedule, which is also how the first
run after a start catches up on a slot missed while the daemon was down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.allocation import round2
from monitor.domain.numbers import money_text
from monitor.notify.drain import drain_outbox
from monitor.runtime.metrics import DaemonMetrics
from monitor.runtime.outage_log import OutageLog
from monitor.runtime.overruns import Overruns
from monitor.runtime.pipeline import run_tick
from monitor.runtime.tick_context import TickOutcome, utc_now
from monitor.settings import PortfolioSettings, Settings
from monitor.settings.schedules import latest_slot, trigger_for
from monitor.store.retention import prune_history
from monitor.store.ticks import CLAIM_LEASE, mark_skipped_slot, tick_of
from monitor.store.transactions import write_transaction

log = logging.getLogger(__name__)

DRAIN_JOB = "drain"
RETENTION_JOB = "retention"
MAX_WORKERS = 8
SKIPPED_REASON = "the entry's previous run was still going"


def tick_job_id(entry_id: str) -> str:
    return f"tick:{entry_id}"


def retry_job_id(entry_id: str) -> str:
    return f"retry:{entry_id}"


def tick_component(entry_id: str) -> str:
    """How the log names an entry's ticks when they fail."""
    return f"tick {entry_id}"


def describe_outcome(outcome: TickOutcome) -> str:
    """The one log line per tick: portfolio, value, worst drift, outcome, duration."""
    parts = [f"tick {outcome.portfolio_id} @ {outcome.scheduled_at.isoformat()}: {outcome.status}"]
    if outcome.value is not None:
        currency = "" if outcome.currency is None else f"{outcome.currency} "
        parts.append(f"value {currency}{money_text(outcome.value)}")
    if outcome.worst_drift is not None:
        parts.append(f"worst drift {round2(outcome.worst_drift)} pp")
    if outcome.accounts > 1:
        parts.append(f"{outcome.out_of_band} of {outcome.accounts} accounts out of band")
    elif outcome.status in ("ok", "partial"):
        parts.append("rebalance" if outcome.out_of_band else "in band")
    if outcome.notifications:
        parts.append(f"{outcome.notifications} notification(s) queued")
    if outcome.error:
        parts.append(f"error: {outcome.error}")
    parts.append(f"{outcome.duration_ms} ms")
    return ", ".join(parts)


class Daemon:
    """The scheduler half of ``allocation-monitor run``."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.stopping = threading.Event()
        # Each entry's slot this process ticked last (see tick).
        self.ticked: dict[str, datetime] = {}
        self.metrics = DaemonMetrics(
            settings.portfolio_ids, [*map(tick_job_id, settings.portfolio_ids), DRAIN_JOB]
        )
        # A job failing at every run (the database down) is said once, then once a minute.
        self.outages = OutageLog(log, clock=clock)
        workers = max(2, min(MAX_WORKERS, len(settings.portfolios) + 1))
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.overruns = Overruns(self.metrics)
        self.overruns.watch(self.scheduler)

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running) and not self.stopping.is_set()

    def start(self) -> None:
        now = self.clock()
        for entry in self.settings.portfolios:
            self.scheduler.add_job(
                self.tick,
                trigger_for(entry.schedule, self.settings.timezone),
                args=[entry],
                id=tick_job_id(entry.id),
                name=f"tick {entry.id}",
                next_run_time=now,  # catch up at once if the latest slot was missed
            )
        self.scheduler.add_job(
            self.drain,
            IntervalTrigger(seconds=self.settings.notify.drain_every.total_seconds()),
            id=DRAIN_JOB,
            name="outbox drain",
            next_run_time=now,
        )
        if self.settings.history.retention is not None:
            self.scheduler.add_job(
                self.prune,
                IntervalTrigger(days=1),
                id=RETENTION_JOB,
                name="retention",
                next_run_time=now + timedelta(minutes=1),
            )
        self.scheduler.start()
        log.info(
            "scheduler started: %d portfolio(s): %s",
            len(self.settings.portfolios),
            ", ".join(self.settings.portfolio_ids) or "none configured",
        )

    def stop(self) -> None:
        """Let running ticks and deliveries finish, then stop."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        log.info("scheduler stopped")

    def tick(self, entry: PortfolioSettings) -> TickOutcome | None:
        outcome = self.tick_latest_slot(entry)
        skipped = self.overruns.taken(tick_job_id(entry.id))
        if skipped:
            # Said by a tick that ran (slowly); one that could not run said why already.
            log.log(
                logging.DEBUG if outcome is None else logging.WARNING,
                "tick %s ran past the next slot of its schedule: %d run(s) skipped meanwhile%s",
                entry.id,
                len(skipped),
                "" if outcome is None else f" (it took {outcome.duration_ms} ms)",
            )
            self.mark_skipped(entry, skipped)
        return outcome

    def mark_skipped(self, entry: PortfolioSettings, due: list[datetime]) -> None:
        """Mark in the store the slots of the runs skipped (``due``) while the entry's
        previous run went on, for the dashboard's drift chart: no tick ran in them. A slot
        this process ticked after all (a run held up into it) is no skip, and one a replica
        ticked keeps its row."""
        trigger = trigger_for(entry.schedule, self.settings.timezone)
        slots = {latest_slot(trigger, at) for at in due}
        missed = sorted(s for s in slots if s is not None and s != self.ticked.get(entry.id))
        if not missed:
            return
        now = self.clock()
        try:
            with write_transaction(self.sessions) as session:
                for slot in missed:
                    mark_skipped_slot(
                        session=session,
                        portfolio_id=entry.id,
                        scheduled_at=slot,
                        at=now,
                        reason=SKIPPED_REASON,
                    )
        except Exception as error:
            self.outages.failed(tick_component(entry.id), error)

    def tick_latest_slot(self, entry: PortfolioSettings) -> TickOutcome | None:
        if self.stopping.is_set():
            return None
        trigger = trigger_for(entry.schedule, self.settings.timezone)
        slot = latest_slot(trigger, self.clock())
        if slot is None or slot == self.ticked.get(entry.id):
            # A run held up into the next slot (a starved CPU) ticks that slot, and the run
            # due then may still start within it: its claim would only find its own row.
            return None
        try:
            outcome = run_tick(entry, self.settings, slot, sessions=self.sessions, clock=self.clock)
        except Exception as error:
            # The store failing (database gone) must not kill the job: say so, try next time.
            self.outages.failed(tick_component(entry.id), error)
            self.metrics.observe_tick_error(entry.id)
            return None
        self.outages.recovered(tick_component(entry.id))
        self.metrics.observe_tick(outcome)
        if outcome.status == "skipped":
            # Debug only: with N replicas, N-1 of them skip every slot.
            log.debug(
                "tick %s @ %s: skipped, claimed by another process", entry.id, slot.isoformat()
            )
            self.retry_if_abandoned(entry, slot, trigger)
        else:
            self.ticked[entry.id] = slot
            log.info("%s", describe_outcome(outcome))
        if outcome.notifications:
            self.drain_soon()
        return outcome

    def retry_if_abandoned(
        self, entry: PortfolioSettings, slot: datetime, trigger: BaseTrigger
    ) -> None:
        """A slot another claim holds unfinished is tried again when that claim expires.

        The holder may be a replica still at work, or a process killed mid-tick (this one,
        before a restart): only the lease tells them apart. Without this, a daily slot a
        killed process held would be lost until the next day.
        """
        if self.stopping.is_set():
            return
        try:
            with self.sessions() as session:
                holder = tick_of(session=session, portfolio_id=entry.id, scheduled_at=slot)
        except Exception as error:
            self.outages.failed(tick_component(entry.id), error)
            return
        if holder is None or holder.status != "running":
            return
        retry_at = holder.started_at + CLAIM_LEASE + timedelta(seconds=1)
        following = trigger.get_next_fire_time(None, slot + timedelta(microseconds=1))
        if following is not None and retry_at >= following:
            return  # the next slot comes first, and ticks anyway
        self.scheduler.add_job(
            self.tick,
            DateTrigger(retry_at),
            args=[entry],
            id=retry_job_id(entry.id),
            name=f"retry {entry.id}",
            replace_existing=True,
        )

    def drain_soon(self) -> None:
        if self.scheduler.running and not self.stopping.is_set():
            self.scheduler.modify_job(DRAIN_JOB, next_run_time=self.clock())

    def drain(self) -> None:
        try:
            result = drain_outbox(
                self.settings, self.sessions, clock=self.clock, should_stop=self.stopping.is_set
            )
        except Exception as error:
            self.outages.failed("outbox drain", error)
            return
        finally:
            # Runs due while a drain goes on (slow targets) have nothing to add: it sends
            # whatever comes due until nothing is.
            skipped = len(self.overruns.taken(DRAIN_JOB))
            if skipped:
                log.debug("outbox drain: %d run(s) skipped while it sent", skipped)
        self.outages.recovered("outbox drain")
        self.metrics.observe_drain(result)

    def prune(self) -> None:
        retention = self.settings.history.retention
        assert retention is not None  # the job exists only with a retention
        try:
            with write_transaction(self.sessions) as session:
                result = prune_history(session=session, older_than=retention, now=self.clock())
        except Exception as error:
            self.outages.failed("retention", error)
            return
        self.outages.recovered("retention")
        log.info("retention: %s", result)
