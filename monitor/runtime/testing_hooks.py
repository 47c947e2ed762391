"""Hooks for the test suite, and for nothing else: unset, they do nothing.

``MONITOR_TEST_PAUSE_IN_WRITE=<seconds>`` makes every tick that has results wait that long
inside its one write transaction, after its rows are written and before they are
committed, having logged a WARNING that names the tick. The chaos test
(``tests/deploy/test_chaos.py``) kills the daemon in that pause, so that it proves what a
death mid-write leaves behind (nothing) instead of hoping a random kill lands there.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime

log = logging.getLogger(__name__)

PAUSE_IN_WRITE = "MONITOR_TEST_PAUSE_IN_WRITE"


def pause_in_write(portfolio_id: str, scheduled_at: datetime) -> None:
    seconds = os.environ.get(PAUSE_IN_WRITE)
    if not seconds:
        return
    log.warning(
        "test pause: tick %s @ %s waits %s s inside its write transaction (%s is set)",
        portfolio_id,
        scheduled_at.isoformat(),
        seconds,
        PAUSE_IN_WRITE,
    )
    time.sleep(float(seconds))
