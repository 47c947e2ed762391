"""Pausing Python's cyclic garbage collector while a tick runs.

A tick of a 10,000-account entry makes millions of small objects (holdings, their Decimals,
reports, rows) that all stay alive until it ends. Each full collection walks every one of
them and finds nothing to free: measured, a quarter of such a tick's time. Reference
counting still frees everything as usual; only the search for cycles waits, and one
collection runs when the last tick in flight ends. Ticks run in several threads, hence the
count.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0
_was_enabled = True


@contextmanager
def collection_paused() -> Iterator[None]:
    global _paused, _was_enabled
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
            resume = _paused == 0 and _was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(generation=1)  # what the paused young collections would have found
