"""Pausing Python's cyclic garbage collector while a tick runs.

A tick of a big multi-account entry makes millions of small objects (holdings, their
Decimals, reports, rows) that all stay alive until it ends. Each full collection walks
every one of them and finds nothing to free, a large share of such a tick's time. Reference
counting still frees everything as usual; only the search for cycles waits, and runs when
the last tick in flight ends. Ticks run in several threads, hence the count; and should
ticks overlap without end, a collection still runs once a minute as one of them ends.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

COLLECT_AT_LEAST_EVERY_S = 60.0

_lock = threading.Lock()
_paused = 0
_was_enabled = True
_collected_at = time.monotonic()


@contextmanager
def collection_paused() -> Iterator[None]:
    global _paused, _was_enabled, _collected_at
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
            overdue = time.monotonic() - _collected_at > COLLECT_AT_LEAST_EVERY_S
            collect = _was_enabled and (_paused == 0 or overdue)
            if collect:
                _collected_at = time.monotonic()
        if collect:
            gc.collect(generation=1)  # what the paused young collections would have found
