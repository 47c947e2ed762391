"""Runs the scheduler skips because the job's previous run is still going.

Every job runs one at a time (``max_instances=1``): a run that comes due while the previous
one still runs (a slow source, a hung SMTP server holding a drain) is skipped. APScheduler
says so in a WARNING of its own at each skip; here each skip is counted (in ``/metrics``),
and the run that went on says how many it caused once, when it ends, in the daemon's words.
"""

from __future__ import annotations

import logging
import threading

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
    """How many runs of each job were skipped since its run in flight began."""

    def __init__(self, metrics: DaemonMetrics) -> None:
        self.metrics = metrics
        self._skipped: dict[str, int] = {}
        self._lock = threading.Lock()

    def watch(self, scheduler: BaseScheduler) -> None:
        scheduler.add_listener(self.skipped, EVENT_JOB_MAX_INSTANCES)
        # On the logger APScheduler writes through; adding the same filter again is a no-op.
        logging.getLogger(APSCHEDULER_LOGGER).addFilter(QUIET_SKIPPED_RUNS)

    def skipped(self, event: JobSubmissionEvent) -> None:
        self.metrics.observe_skipped_run(event.job_id)
        with self._lock:
            self._skipped[event.job_id] = self._skipped.get(event.job_id, 0) + 1

    def taken(self, job_id: str) -> int:
        """The runs of ``job_id`` skipped so far, counted from zero again."""
        with self._lock:
            return self._skipped.pop(job_id, 0)
