"""Runs the scheduler skips because the job's previous run is still going.

Every job runs one at a time (``max_instances=1``): a run that comes due while the previous
one still runs (a slow source, a hung SMTP server holding a drain) is skipped. APScheduler
says so in a WARNING of its own at each skip; here each skip is counted (in ``/metrics``)
and its scheduled time kept, and the run that went on says how many it caused once, when it
ends, in the daemon's words (and a tick marks the slots skipped in the store).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.schedulers.base import BaseScheduler

from monitor.runtime.metrics import DaemonMetrics

APSCHEDULER_LOGGER = "apscheduler.scheduler"


class QuietSkippedRuns(logging.Filter):
    """Drops APScheduler's line for a skipped run, and only that one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in str(record.msg)


QUIET_SKIPPED_RUNS = QuietSkippedRuns()


class Overruns:
    """The runs of each job skipped since its run in flight began, by scheduled time."""

    def __init__(self, metrics: DaemonMetrics) -> None:
        self.metrics = metrics
        self._skipped: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def watch(self, scheduler: BaseScheduler) -> None:
        scheduler.add_listener(self.skipped, EVENT_JOB_MAX_INSTANCES)
        # On the logger APScheduler writes through; adding the same filter again is a no-op.
        logging.getLogger(APSCHEDULER_LOGGER).addFilter(QUIET_SKIPPED_RUNS)

    def skipped(self, event: JobSubmissionEvent) -> None:
        self.metrics.observe_skipped_run(event.job_id)
        with self._lock:
            self._skipped.setdefault(event.job_id, []).extend(event.scheduled_run_times)

    def taken(self, job_id: str) -> list[datetime]:
        """When the runs of ``job_id`` skipped so far were due, forgotten once taken."""
        with self._lock:
            return self._skipped.pop(job_id, [])
