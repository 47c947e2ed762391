"""Logging for work that fails again and again: once when it starts, a reminder a minute, once
when it works again.

A failure the daemon retries on every tick, drain or request (the database gone for a
minute while ticks run every 2 s) would otherwise write the same error, with its traceback,
hundreds of times. Here each component (``tick family``, ``outbox drain``) says it is
failing in one WARNING line with the cause, at most once per ``remind_every`` again while it
stays down, and in one INFO line when it recovers. An error the monitor expects (one of its
own, e.g. ``StoreError``: the database unreachable) never carries a traceback; any other is
a bug, and its reports (first and reminders) are ERRORs with the traceback. Every failure is
logged at DEBUG, with its traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.errors import MonitorError
from monitor.store.engine import first_line

REMIND_EVERY = timedelta(minutes=1)


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Outage:
    since: datetime
    reminded_at: datetime
    failures: int = 1


def cause_of(error: BaseException) -> str:
    """One line: the monitor's own message, or a bug's type and first line."""
    if isinstance(error, MonitorError):
        return first_line(error)
    return f"{type(error).__name__}: {first_line(error)}"


def seconds_text(elapsed: timedelta) -> str:
    return f"{int(elapsed.total_seconds())}s"


class OutageLog:
    """The failures and recoveries of named components, logged to ``log``; thread-safe."""

    def __init__(
        self,
        log: logging.Logger,
        *,
        clock: Callable[[], datetime] = wall_clock,
        remind_every: timedelta = REMIND_EVERY,
    ) -> None:
        self.log = log
        self.clock = clock
        self.remind_every = remind_every
        self._outages: dict[str, _Outage] = {}
        self._lock = threading.Lock()

    def failed(self, component: str, error: BaseException) -> None:
        """``component`` failed with ``error``: said if it is new, or a reminder is due."""
        now = self.clock()
        with self._lock:
            outage = self._outages.get(component)
            if outage is None:
                self._outages[component] = _Outage(since=now, reminded_at=now)
                said: tuple[int, datetime] | None = (1, now)
            else:
                outage.failures += 1
                said = None
                if now - outage.reminded_at >= self.remind_every:
                    outage.reminded_at = now
                    said = (outage.failures, outage.since)
        cause = cause_of(error)
        if said is None:
            self.log.debug("%s failed again: %s", component, cause, exc_info=error)
            return
        # The monitor's own errors say all there is to say; anything else is a bug.
        expected = isinstance(error, MonitorError)
        level = logging.WARNING if expected else logging.ERROR
        traceback = None if expected else error
        failures, since = said
        if failures == 1:
            self.log.log(level, "%s failing: %s", component, cause, exc_info=traceback)
        else:
            self.log.log(
                level,
                "%s still failing, %d times in %s: %s",
                component,
                failures,
                seconds_text(now - since),
                cause,
                exc_info=traceback,
            )
        if expected:
            self.log.debug("%s: the error in full", component, exc_info=error)

    def recovered(self, component: str) -> None:
        """``component`` worked: said once, if it was failing."""
        with self._lock:
            outage = self._outages.pop(component, None)
        if outage is not None:
            self.log.info(
                "%s works again, after %s and %d failure(s)",
                component,
                seconds_text(self.clock() - outage.since),
                outage.failures,
            )
