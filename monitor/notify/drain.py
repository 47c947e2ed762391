"""The outbox drain: send due notifications, record every attempt, back off, give up.

Each notification goes to each of its targets once: the targets that took it are stored on
the row, and a retry goes only to the others. Rows are leased, so several drainers (threads
or replicas) never send the same row at once.

A drain sends up to ``notify.drain_concurrency`` rows at once, and to each target one
message at a time: a target that hangs holds up its own messages only, never another
target's. A row with a target busy is sent to its other targets now, and to that one when
it is free (the row stays due, with no attempt counted for the wait).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from monitor.notify.delivery import Route, target_keys
from monitor.notify.rounds import DrainResult, send_one
from monitor.notify.routing import notify_for_route
from monitor.settings import Settings
from monitor.store.outbox import OutboxItem, claim_next_notification
from monitor.store.transactions import write_transaction

# Longer than any one delivery round can take (targets are bounded by their timeouts); a
# drainer that dies mid-send releases its row when the lease runs out.
LEASE = timedelta(minutes=5)
WAKE_AT_LEAST_EVERY = 1.0  # seconds


class Lanes:
    """The targets this drainer is sending to, and the rows that wait for them only.

    Shared by the drain's loop and the threads that send (which free their target the
    moment they are done with it, not when their whole row is); ``changed`` guards it and
    wakes the loop.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.busy: set[str] = set()
        self.waiting: set[int] = set()  # ids of due rows whose targets left are all busy
        self.keys: dict[str, frozenset[str]] = {}  # each route's targets
        self.changed = threading.Condition()

    def keys_of(self, route: str) -> frozenset[str]:
        if route not in self.keys:
            notify = notify_for_route(self.settings, route)
            self.keys[route] = target_keys(Route.from_settings(notify))
        return self.keys[route]

    def pending(self, item: OutboxItem) -> frozenset[str]:
        return self.keys_of(item.route) - frozenset(item.delivered_targets)

    def free(self, item_id: int, route: str, delivered: Sequence[str]) -> bool:
        """Whether the row has a target to send to now; one with none still to send to
        (sent to all, or a route that cannot be used) goes on to be settled."""
        pending = self.keys_of(route) - frozenset(delivered)
        if pending and pending <= self.busy:
            self.waiting.add(item_id)
            return False
        return True

    def release(self, key: str) -> None:
        with self.changed:
            self.busy.discard(key)
            self.waiting.clear()  # the rows waiting for it may go now
            self.changed.notify()

    def wake(self, future: Future[DrainResult]) -> None:
        with self.changed:
            self.changed.notify()

    def send(self, keys: frozenset[str], one_round: Callable[..., DrainResult]) -> DrainResult:
        """``one_round(sent=...)``, in a worker; each of ``keys`` is freed as soon as its
        target is done with, and the rest when the round ends, whatever it did (a template
        that raised sent to none of them)."""
        freed: set[str] = set()

        def sent(key: str) -> None:
            freed.add(key)
            self.release(key)

        try:
            return one_round(sent=sent)
        finally:
            for key in keys - freed:
                self.release(key)


@dataclass
class Rows:
    """The rows being sent, and what those that ended came to."""

    running: set[Future[DrainResult]] = field(default_factory=set)
    total: DrainResult = field(default_factory=DrainResult)
    failure: BaseException | None = None

    def reap(self) -> None:
        for future in [row for row in self.running if row.done()]:
            self.running.remove(future)
            try:
                self.total += future.result()
            except Exception as error:  # the store failing: finish the others, then say so
                self.failure = self.failure or error


def drain_outbox(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], datetime],
    should_stop: Callable[[], bool] = lambda: False,
) -> DrainResult:
    """Send everything due now, until nothing is due (or asked to stop).

    Each row is leased when a worker is free to send it. Leasing a batch up front would
    start the clock on rows still waiting their turn: behind slow targets their leases
    could run out, and another drainer would send them while this one still meant to.
    """
    concurrency = settings.notify.drain_concurrency
    lanes = Lanes(settings)
    rows = Rows()
    with ThreadPoolExecutor(concurrency, thread_name_prefix="drain") as pool, lanes.changed:
        while True:
            rows.reap()
            while rows.failure is None and len(rows.running) < concurrency and not should_stop():
                item = claim(lanes, sessions, clock())
                if item is None:
                    break
                one_round = partial(send_one, item, settings, sessions, clock)
                rows.running.add(send_off(pool, lanes, item, one_round))
            if not rows.running:
                break
            if not any(row.done() for row in rows.running):  # one may have ended as it was sent
                # Woken by a row ending or a target freed; the timeout is only a safeguard:
                # a drain stuck here would hold every later one off.
                lanes.changed.wait(timeout=WAKE_AT_LEAST_EVERY)
    if rows.failure is not None:
        raise rows.failure
    return rows.total


def send_off(
    pool: ThreadPoolExecutor,
    lanes: Lanes,
    item: OutboxItem,
    one_round: Callable[..., DrainResult],
) -> Future[DrainResult]:
    """A worker sends ``item`` to its targets that are free, which it holds meanwhile; the
    busy ones are deferred (``one_round(deferred, sent=...)``)."""
    deferred = lanes.pending(item) & lanes.busy
    keys = lanes.pending(item) - deferred
    lanes.busy |= keys
    future = pool.submit(lanes.send, keys, partial(one_round, deferred))
    future.add_done_callback(lanes.wake)
    return future


def claim(lanes: Lanes, sessions: sessionmaker[Session], now: datetime) -> OutboxItem | None:
    with write_transaction(sessions) as session:
        return claim_next_notification(
            session=session, now=now, lease=LEASE, accept=lanes.free, passed=list(lanes.waiting)
        )
