"""The daemon killed (SIGKILL) at random moments, many times, on SQLite and on PostgreSQL.

Four portfolios tick every second (each fetch takes 0.3 s); before each start some of them
move on through in band -> drifted -> drifted further -> in band, so alerts keep being
decided. Each run is killed 0.2-2.5 s (seeded) after its scheduler started: in a tick, in a
delivery (the webhook pauses before it answers, so some kills land after it took a message
and before the daemon heard back), or in between. A last clean run follows, then the outbox
drain once the leases of the killed runs have run out. Afterwards:

- no snapshot is half-written (each has its class and holding rows, and a finished tick);
- a killed tick leaves its claim 'running' and nothing else, and a later tick of the same
  portfolio finished: with one-second slots the next slot comes long before the claim's
  lease runs out (tests/test_abandoned_ticks.py shows a slot taken over after it);
- each portfolio's alerts follow the policy: no transition alerted twice after a restart;
- every alert decided reached the webhook, and the only duplicates are alerts whose
  delivery a kill interrupted: at most one per such kill.

``benchmarks/bench_chaos.py`` runs the same scenario and prints the figures.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.notify.drain import LEASE, drain_outbox
from monitor.pipeline import utc_now
from monitor.settings import load_settings
from monitor.store.engine import make_engine, session_factory
from tests.fixtures.daemon import DaemonProcess, wait_until
from tests.fixtures.operations import (
    DRIFTED_CSV,
    ESCALATED_CSV,
    IN_BAND_CSV,
    Deployment,
    StoreView,
    deliveries,
)
from tests.fixtures.sinks import WebhookRequest, WebhookSink

pytestmark = pytest.mark.slow

SEED = 20240607
KILLS = 20
KILL_AFTER = (0.2, 2.5)  # seconds after the scheduler started
ANSWER_DELAY = 0.3  # the webhook's pause between taking a message and answering
FETCH_SECONDS = 0.3  # each tick's source takes this long between its claim and its writes
PORTFOLIOS = ["p1", "p2", "p3", "p4"]
# In band, drifted (+10 pp), drifted further (+20 pp): each move decides an alert.
HOLDINGS = [IN_BAND_CSV, DRIFTED_CSV, ESCALATED_CSV]
# What a portfolio's alerts may read as, in order: an episode is "drifted", perhaps
# "escalated", then "resolved"; the last one may still be open.
POLICY = re.compile(r"(d(e)?r)*(d(e)?)?")
KIND_LETTERS = {"drifted": "d", "escalated": "e", "resolved": "r"}
WAIT = 60.0


class SlowWebhookSink(WebhookSink):
    """Records each message, then pauses before answering: a kill in the pause makes the
    message go again, the at-least-once duplicate."""

    def _answer(self, request: WebhookRequest) -> int:
        status = super()._answer(request)
        time.sleep(ANSWER_DELAY)
        return status


@dataclass(frozen=True)
class ChaosFigures:
    backend: str
    kills: int
    kills_in_ticks: int  # kills that left a tick claimed and unfinished
    kills_in_deliveries: int  # kills that left a notification leased and unsettled
    ticks: int
    unfinished: int  # ticks a kill cut short: claimed, nothing written
    snapshots: int
    alerts: int
    delivered: int
    lost: int
    duplicated: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"chaos on {self.backend}: {self.kills} kills ({self.kills_in_ticks} in a tick, "
            f"{self.kills_in_deliveries} in a delivery), {self.ticks} ticks "
            f"({self.unfinished} cut short), "
            f"{self.snapshots} snapshots, {self.alerts} alerts decided, {self.delivered} "
            f"delivered, {self.lost} lost, {self.duplicated} duplicated, {self.seconds:.0f} s"
        )


class Chaos:
    """One daemon over ``deployment``, started and killed again and again."""

    def __init__(
        self,
        deployment: Deployment,
        daemon: DaemonProcess,
        store: StoreView,
        sink: WebhookSink,
        seed: int = SEED,
    ) -> None:
        self.deployment = deployment
        self.daemon = daemon
        self.store = store
        self.sink = sink
        self.random = random.Random(seed)
        self.position = dict.fromkeys(deployment.portfolios, 0)
        self.killed_ticks: set[tuple[str, datetime]] = set()
        self.killed_leases: set[int] = set()
        self.kills_in_ticks = 0
        self.kills_in_deliveries = 0

    def move_holdings(self) -> None:
        for portfolio_id in self.deployment.portfolios:
            if self.random.random() < 0.5:
                self.position[portfolio_id] = (self.position[portfolio_id] + 1) % len(HOLDINGS)
                self.deployment.write_holdings(portfolio_id, HOLDINGS[self.position[portfolio_id]])

    def start(self) -> None:
        self.daemon.start()
        starts = self.daemon.starts
        wait_until(
            lambda: self.daemon.log().count("scheduler started") >= starts,
            "the scheduler to start",
            WAIT,
            self.daemon,
        )

    def kill_once(self) -> None:
        self.move_holdings()
        self.start()
        time.sleep(self.random.uniform(*KILL_AFTER))  # the chaos: a random moment, not a wait
        self.daemon.kill()
        unfinished = {
            (t.portfolio_id, t.scheduled_at) for t in self.store.ticks() if t.status == "running"
        }
        leased = set(self.store.leased_notifications())
        self.kills_in_ticks += bool(unfinished - self.killed_ticks)
        self.kills_in_deliveries += bool(leased - self.killed_leases)
        self.killed_ticks |= unfinished
        self.killed_leases |= leased

    def finish(self) -> None:
        """A clean run until every portfolio ticked twice more and only the killed runs'
        leases are pending; then, as once the leases run out, a drain sends those."""
        self.start()
        ticks = len(self.store.ticks())
        wait_until(
            lambda: len(self.store.ticks()) >= ticks + 2 * len(self.deployment.portfolios),
            "two more ticks of each portfolio",
            WAIT,
            self.daemon,
        )
        wait_until(
            lambda: set(self.store.pending_notifications()) <= self.killed_leases,
            "every notification not leased by a killed run sent",
            WAIT,
            self.daemon,
        )
        assert self.daemon.stop() == 0
        settings = load_settings(self.deployment.config)
        engine = make_engine(settings.database.url)
        try:
            later = LEASE + timedelta(seconds=1)
            drain_outbox(settings, session_factory(engine), clock=lambda: utc_now() + later)
        finally:
            engine.dispose()

    def run(self, kills: int, backend: str) -> ChaosFigures:
        began = time.monotonic()
        for _ in range(kills):
            self.kill_once()
        self.finish()
        outbox = self.store.notifications()
        counts = deliveries(self.sink)
        return ChaosFigures(
            backend=backend,
            kills=kills,
            kills_in_ticks=self.kills_in_ticks,
            kills_in_deliveries=self.kills_in_deliveries,
            ticks=len(self.store.ticks()),
            unfinished=len(self.killed_ticks),
            snapshots=self.store.snapshots(),
            alerts=len(outbox),
            delivered=len(counts),
            lost=sum(1 for n in outbox if counts[n.id] == 0),
            duplicated=sum(count - 1 for count in counts.values()),
            seconds=time.monotonic() - began,
        )


def chaos_in(
    folder: Path, database_url: str, sink: WebhookSink, store: StoreView, seed: int = SEED
) -> Chaos:
    """The scenario in ``folder``: the deployment, and its daemon (not started yet)."""
    deployment = Deployment(
        folder,
        database_url=database_url,
        webhook_url=sink.json_url,
        portfolios=PORTFOLIOS,
        fetch_seconds=FETCH_SECONDS,
    )
    log_path = folder / "daemon.log"
    daemon = DaemonProcess(deployment.config, log_path=log_path, env=Deployment.LOG_ENV, api=False)
    return Chaos(deployment, daemon, store, sink, seed)


@pytest.fixture
def slow_webhook_sink() -> Iterator[SlowWebhookSink]:
    sink = SlowWebhookSink()
    sink.start()
    yield sink
    sink.stop()


def test_killed_again_and_again_the_daemon_loses_nothing_and_duplicates_only_what_it_must(
    tmp_path: Path,
    backend: str,
    empty_database_url: str,
    slow_webhook_sink: SlowWebhookSink,
    store_view: Callable[[str], StoreView],
) -> None:
    store = store_view(empty_database_url)
    chaos = chaos_in(tmp_path, empty_database_url, slow_webhook_sink, store)
    try:
        figures = chaos.run(KILLS, backend)
    finally:
        chaos.daemon.kill()
    print(f"\n{figures}")  # noqa: T201  (the figures, shown with -s)

    assert store.half_written_snapshots() == []
    ticks = store.ticks()
    unfinished = {(t.portfolio_id, t.scheduled_at) for t in ticks if t.status == "running"}
    assert unfinished == chaos.killed_ticks  # what the kills left, and nothing else
    assert {t.status for t in ticks} - {"running"} == {"ok"}
    assert figures.snapshots == sum(1 for t in ticks if t.status == "ok")
    for portfolio_id, scheduled_at in unfinished:  # stale, not stuck: later slots ticked
        assert any(
            t.portfolio_id == portfolio_id and t.scheduled_at > scheduled_at and t.status == "ok"
            for t in ticks
        )

    outbox = store.notifications()
    for portfolio_id in PORTFOLIOS:
        story = "".join(KIND_LETTERS[n.kind] for n in outbox if n.portfolio_id == portfolio_id)
        assert POLICY.fullmatch(story), f"{portfolio_id} alerted {story}"
    assert {n.status for n in outbox} == {"sent"}
    counts = deliveries(slow_webhook_sink)
    assert set(counts) == {n.id for n in outbox}  # nothing lost, nothing unknown
    duplicated = {alert_id for alert_id, count in counts.items() if count > 1}
    assert duplicated <= chaos.killed_leases
    assert figures.duplicated <= figures.kills_in_deliveries
