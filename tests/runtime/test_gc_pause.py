"""The garbage collector pause around ticks: nested and threaded uses restore it once."""

from __future__ import annotations

import gc

from monitor.runtime.gc_pause import collection_paused


def test_collection_is_paused_inside_and_enabled_after() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # a second tick in flight
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
