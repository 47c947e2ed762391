"""The daemon killed (SIGKILL) many times, on SQLite and on PostgreSQL, at the moments that
matter: inside a tick's write transaction, inside a delivery, and anywhere.

Four portfolios tick every second (each fetch takes 0.3 s); before each start some of them
move on through in band -> drifted -> drifted further -> in band, so alerts keep being
decided. The kills take turns at three aims:

- in a write: the daemon runs with ``MONITOR_TEST_PAUSE_IN_WRITE``
  (``monitor/runtime/testing_hooks.py``), so each tick waits inside its write transaction,
  rows written and not committed, after logging so; the kill comes in that pause;
- in a delivery: the webhook pauses before it answers; the kill comes after it took a
  message and before the daemon heard back;
- anywhere: 0.2-2.5 s (seeded) after the scheduler started.

An aimed kill whose moment does not come within a few seconds is made anyway; the figures
count where the kills landed, and each aim must have landed at least once. A last clean run
follows, then the outbox drain once the leases of the killed runs have run out. Afterwards:

- no snapshot is half-written (each has its class and holding rows, and a finished tick);
- a killed tick leaves its claim 'running' and nothing else, and a later tick of the same
  portfolio finished: with one-second slots the next slot comes long before the claim's
  lease runs out (tests/runtime/test_abandoned_ticks.py shows a slot taken over after it);
- each portfolio's alerts follow the policy: no transition alerted twice after a restart;
- every alert decided reached the webhook, and the only duplicates are alerts whose
  delivery a kill interrupted: at most one per such kill.

``benchmarks/bench_chaos.py`` runs the same scenario and prints the figures.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from monitor.notify.drain import LEASE, drain_outbox
from monitor.runtime.testing_hooks import PAUSE_IN_WRITE
from monitor.runtime.tick_context import utc_now
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
KILL_AFTER = (0.2, 2.5)  # seconds after the scheduler started, for a kill anywhere
ANSWER_DELAY = 0.3  # the webhook's pause between taking a message and answering
FETCH_SECONDS = 0.3  # each tick's source takes this long between its claim and its writes
# Each tick's pause inside its write transaction. Short: on SQLite the four ticks of a slot
# take turns at the write lock, so a longer pause fills the slot with writes (at 0.12 s
# nearly every kill landed in one, and few alerts lived to be delivered).
WRITE_PAUSE = 0.05
AIMS = ("write", "delivery", "anywhere")  # taken in turn
AIM_WAIT = 5.0  # how long an aimed kill waits for its moment before it is made anyway
POLL = 0.005  # seconds between looks for that moment: well inside each pause
PAUSE_LINE = re.compile(r"^test pause: tick (\S+) @ (\S+) waits ")
# The daemon's PostgreSQL sessions carry this name, so that the test sees when they ended.
DAEMON_APPLICATION = "allocation-monitor-chaos"
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
    kills_in_writes: int  # ...with its rows written, not committed (it logged its pause)
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
            f"{self.kills_in_writes} of them in its write, {self.kills_in_deliveries} in a "
            f"delivery), {self.ticks} ticks "
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
        self.kills_in_writes = 0
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

    def kill_once(self, aim: str) -> None:
        self.move_holdings()
        log_size = self.daemon.log_path.stat().st_size if self.daemon.log_path.exists() else 0
        requests = len(self.sink.requests)
        self.start()
        if aim == "write":
            self.wait_for(lambda: bool(paused_ticks(self.log_since(log_size))))
            time.sleep(self.random.uniform(0, WRITE_PAUSE / 3))
        elif aim == "delivery":
            self.wait_for(lambda: len(self.sink.requests) > requests)
            time.sleep(self.random.uniform(0, ANSWER_DELAY / 3))
        else:  # the chaos: a random moment, not a wait
            time.sleep(self.random.uniform(*KILL_AFTER))
        self.daemon.kill()
        self.settle()
        unfinished = {
            (t.portfolio_id, t.scheduled_at) for t in self.store.ticks() if t.status == "running"
        }
        leased = set(self.store.leased_notifications())
        cut_short = unfinished - self.killed_ticks
        self.kills_in_ticks += bool(cut_short)
        self.kills_in_writes += bool(cut_short & paused_ticks(self.log_since(log_size)))
        self.kills_in_deliveries += bool(leased - self.killed_leases)
        self.killed_ticks |= unfinished
        self.killed_leases |= leased

    def wait_for(self, moment: Callable[[], bool]) -> None:
        """Until ``moment()`` or ``AIM_WAIT`` s: not ``wait_until``, which looks ten times a
        second and would miss most of a 0.12 s pause."""
        deadline = time.monotonic() + AIM_WAIT
        while not moment() and time.monotonic() < deadline:
            time.sleep(POLL)

    def log_since(self, size: int) -> str:
        """The log's whole lines after its first ``size`` bytes (the last may be half-written)."""
        with self.daemon.log_path.open("rb") as log:
            log.seek(size)
            written = log.read().decode(errors="replace")
        return written[: written.rfind("\n") + 1]

    def settle(self) -> None:
        """Let the killed process's last words land: a COMMIT it sent just before it died is
        still applied by PostgreSQL, until the server has read everything it sent (then its
        sessions end). On SQLite, what is on disk when the process is gone is all there is."""
        if self.store.engine.dialect.name != "postgresql":
            return
        wait_until(
            lambda: self.daemon_sessions() == 0, "the killed daemon's database sessions to end"
        )

    def daemon_sessions(self) -> int:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
        with self.store.engine.connect() as connection:
            return int(connection.scalar(query, {"name": DAEMON_APPLICATION}) or 0)

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
        for number in range(kills):
            self.kill_once(AIMS[number % len(AIMS)])
        self.finish()
        outbox = self.store.notifications()
        counts = deliveries(self.sink)
        return ChaosFigures(
            backend=backend,
            kills=kills,
            kills_in_ticks=self.kills_in_ticks,
            kills_in_writes=self.kills_in_writes,
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


def paused_ticks(log: str) -> set[tuple[str, datetime]]:
    """The ticks that a (JSON) log says paused inside their write transaction."""
    found = set()
    for line in log.splitlines():
        if line.startswith("{") and (pause := PAUSE_LINE.match(json.loads(line)["message"])):
            found.add((pause[1], datetime.fromisoformat(pause[2])))
    return found


def named_sessions(database_url: str) -> str:
    """``database_url`` whose PostgreSQL sessions are named ``DAEMON_APPLICATION``."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return database_url
    named = url.update_query_dict({"application_name": DAEMON_APPLICATION})
    return named.render_as_string(hide_password=False)


def chaos_in(
    folder: Path, database_url: str, sink: WebhookSink, store: StoreView, seed: int = SEED
) -> Chaos:
    """The scenario in ``folder``: the deployment, and its daemon (not started yet)."""
    deployment = Deployment(
        folder,
        database_url=named_sessions(database_url),
        webhook_url=sink.json_url,
        portfolios=PORTFOLIOS,
        fetch_seconds=FETCH_SECONDS,
    )
    log_path = folder / "daemon.log"
    env = {**Deployment.LOG_ENV, PAUSE_IN_WRITE: str(WRITE_PAUSE)}
    daemon = DaemonProcess(deployment.config, log_path=log_path, env=env, api=False)
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
    # Every tick that ended ended ok; a slot that came due while the entry's previous run
    # was still going (paused in its write, or started late after a kill) is kept skipped.
    assert {t.status for t in ticks} - {"running", "skipped"} == {"ok"}
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

    # It tested what it says: kills landed in ticks, in their writes, and in deliveries.
    assert figures.kills_in_ticks > 0
    assert figures.kills_in_writes > 0
    assert figures.kills_in_deliveries > 0
