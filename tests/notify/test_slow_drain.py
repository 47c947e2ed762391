"""A drainer slowed down by its targets keeps the rows it is about to send: each row's
lease starts when its turn comes, so another drainer (a replica) never sends it as well."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine

from monitor.notify.drain import LEASE
from monitor.notify.rounds import DrainResult
from tests.fixtures.sinks import WebhookRequest, WebhookSink
from tests.notify.test_concurrent_drain import enqueue_alerts
from tests.notify.world import World, make_world, titles

ALERTS = 3
# Each message takes this long to send: three of them outlast one lease.
SEND_TIME = LEASE * 3 / 5


class SlowSink(WebhookSink):
    """The first drainer's two messages each take ``SEND_TIME`` of the world's clock; while
    the second of them is being sent, a second drainer drains (quickly)."""

    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.second_drainer: list[DrainResult] = []

    def _answer(self, request: WebhookRequest) -> int:
        status = super()._answer(request)
        assert self.world is not None
        if len(self.requests) <= 2:
            self.world.clock.advance(SEND_TIME)
        if len(self.requests) == 2:
            # The first message's target is freed as soon as it is sent, before its row is
            # settled: let that write land (on a busy machine it may lag), so that what the
            # second drainer may take is the third row alone, never the first again.
            settled(self.world, sent=1)
            other = threading.Thread(target=lambda: self.second_drainer.append(self.world.drain()))
            other.start()
            other.join(60)
        return status


def settled(world: World, *, sent: int) -> None:
    """Wait (real time, at most 10 s) until ``sent`` rows are settled as sent."""
    deadline = time.monotonic() + 10
    while len(world.notifications("sent")) < sent and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_slow_drainer_keeps_the_rows_it_has_yet_to_send(engine: Engine, tmp_path: Path) -> None:
    sink = SlowSink()
    sink.start()
    try:
        world = make_world(engine, tmp_path, urls=[sink.json_url])
        sink.world = world
        enqueue_alerts(world, ALERTS)
        first = world.drain()
    finally:
        sink.stop()
    assert set(Counter(titles(sink)).values()) == {1}
    assert len(sink.requests) == ALERTS
    assert (first.sent, sink.second_drainer[0].sent) == (ALERTS - 1, 1)
    assert [n.attempts for n in world.notifications("sent")] == [1] * ALERTS
