"""The daemon's scheduler: jobs from the config, catch-up at start, no overlap, clean stop;
and cron slots that follow daylight saving time as cron does."""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.allocation import Holding
from monitor.runtime.pipeline import run_tick
from monitor.runtime.scheduler import DRAIN_JOB, Daemon, describe_outcome, tick_job_id
from monitor.runtime.tick_context import utc_now
from monitor.settings import PortfolioSettings, Schedule, Settings
from monitor.settings.schedules import WallClockCronTrigger, latest_slot, trigger_for
from monitor.sources import SourceOptions
from monitor.sources.csv import CsvSource
from monitor.store.engine import session_factory
from monitor.store.models import Snapshot, Tick
from tests.fixtures.daemon import wait_until
from tests.fixtures.outages import Outage
from tests.notify.world import Clock

# The scheduler runs threads on wall-clock time; one backend is enough to show its wiring
# (the claims it relies on are tested on both in test_pipeline.py).
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

NY = "America/New_York"
WAIT = 30.0


@dataclass
class Gate:
    """Holds every fetch of a ``GatedSource`` until released, counting them."""

    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: int = 0
    most_running: int = 0
    calls: int = 0


GATES: dict[str, Gate] = {}


class GatedSource(SourceOptions):
    kind: str = "gated"
    gate: str

    def fetch(self) -> list[Holding]:
        gate = GATES[self.gate]
        with gate.lock:
            gate.calls += 1
            gate.running += 1
            gate.most_running = max(gate.most_running, gate.running)
        gate.release.wait(WAIT)
        with gate.lock:
            gate.running -= 1
        return [Holding("VTI", "stocks", Decimal(100))]


@pytest.fixture
def gate(request: pytest.FixtureRequest) -> Iterator[Gate]:
    GATES[request.node.name] = gate = Gate()
    yield gate
    gate.release.set()
    del GATES[request.node.name]


@pytest.fixture
def holdings(tmp_path: Path) -> Path:
    path = tmp_path / "holdings.csv"
    path.write_text("symbol,asset_class,value\nVTI,stocks,60\nBND,bonds,40\n")
    return path


def entry(portfolio_id: str, source: SourceOptions, **schedule: object) -> PortfolioSettings:
    return PortfolioSettings(
        id=portfolio_id,
        targets={"stocks": 60, "bonds": 40},
        schedule=Schedule.model_validate(schedule or {"every": "1h"}),
        source=source,
    )


@pytest.fixture
def running_daemons() -> Iterator[list[Daemon]]:
    """Daemons a test started; stopped at the end even when the test fails."""
    daemons: list[Daemon] = []
    yield daemons
    for daemon in daemons:
        daemon.stop()


def started(daemons: list[Daemon], settings: Settings, sessions: sessionmaker[Session]) -> Daemon:
    daemon = Daemon(settings, sessions)
    daemons.append(daemon)
    daemon.start()
    return daemon


def ticks_of(sessions: sessionmaker[Session], portfolio_id: str) -> list[tuple[datetime, str]]:
    with sessions() as session:
        query = select(Tick.scheduled_at, Tick.status).where(Tick.portfolio_id == portfolio_id)
        return [(at, status) for at, status in session.execute(query.order_by(Tick.id))]


@sqlite_only
def test_each_portfolio_entry_gets_a_job_with_its_own_trigger(
    sessions: sessionmaker[Session], holdings: Path, running_daemons: list[Daemon]
) -> None:
    settings = Settings(
        portfolios=[
            entry("family", CsvSource(path=holdings), cron="0 18 * * mon-fri", timezone=NY),
            entry("clients", CsvSource(path=holdings), every="15m"),
        ]
    )
    daemon = started(running_daemons, settings, sessions)
    jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
    assert set(jobs) == {tick_job_id("family"), tick_job_id("clients"), DRAIN_JOB}
    family, clients = jobs[tick_job_id("family")], jobs[tick_job_id("clients")]
    assert isinstance(family.trigger, WallClockCronTrigger)
    assert str(family.trigger.timezone) == NY
    assert clients.trigger.interval == timedelta(minutes=15)
    for job in (family, clients):
        assert (job.max_instances, job.coalesce) == (1, True)


@sqlite_only
def test_a_started_daemon_ticks_the_latest_slot_at_once(
    sessions: sessionmaker[Session], holdings: Path, running_daemons: list[Daemon]
) -> None:
    family = entry("family", CsvSource(path=holdings), every="1h")
    trigger = trigger_for(family.schedule, "UTC")
    before = latest_slot(trigger, utc_now())
    started(running_daemons, Settings(portfolios=[family]), sessions)
    wait_until(lambda: ticks_of(sessions, "family") != [], "the catch-up tick")
    wait_until(lambda: ticks_of(sessions, "family")[0][1] != "running", "the tick to end")
    [(scheduled_at, status)] = ticks_of(sessions, "family")
    after = latest_slot(trigger, utc_now())
    assert scheduled_at in (before, after)  # the hour may turn during the test
    assert status == "ok"


@sqlite_only
def test_a_slot_already_ticked_is_not_ticked_again_at_start(
    sessions: sessionmaker[Session], holdings: Path
) -> None:
    family = entry("family", CsvSource(path=holdings), every="1h")
    settings = Settings(portfolios=[family])
    slot = latest_slot(trigger_for(family.schedule, "UTC"), utc_now())
    assert slot is not None
    assert run_tick(family, settings, slot, sessions=sessions).status == "ok"
    outcome = Daemon(settings, sessions, clock=lambda: slot + timedelta(minutes=1)).tick(family)
    assert outcome is not None
    assert outcome.status == "skipped"
    assert ticks_of(sessions, "family") == [(slot, "ok")]


@sqlite_only
def test_a_run_in_the_slot_this_daemon_ticked_tries_no_claim(
    sessions: sessionmaker[Session], holdings: Path
) -> None:
    family = entry("family", CsvSource(path=holdings), every="1h")
    slot = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    daemon = Daemon(Settings(portfolios=[family]), sessions, clock=lambda: slot)
    first = daemon.tick(family)
    assert first is not None
    assert first.status == "ok"
    # A run held up into this slot, then the one due in it: not "skipped" by its own claim.
    assert daemon.tick(family) is None
    assert ticks_of(sessions, "family") == [(slot, "ok")]


@sqlite_only
def test_a_portfolio_never_overlaps_itself(
    sessions: sessionmaker[Session],
    gate: Gate,
    request: pytest.FixtureRequest,
    running_daemons: list[Daemon],
    caplog: pytest.LogCaptureFixture,
) -> None:
    slow = entry("slow", GatedSource(gate=request.node.name), every="1s")
    daemon = started(running_daemons, Settings(portfolios=[slow]), sessions)
    wait_until(lambda: gate.running == 1, "the first tick to fetch")
    wait_until(lambda: skipped_runs(daemon, "tick:slow") >= 2, "runs skipped meanwhile")
    assert (gate.most_running, gate.calls) == (1, 1)
    gate.release.set()
    wait_until(lambda: any(s == "ok" for _, s in ticks_of(sessions, "slow")), "the tick to end")
    wait_until(lambda: "ran past" in caplog.text, "the tick to say it ran past its slots")
    [said] = [r for r in caplog.records if "ran past" in r.getMessage()]
    assert said.levelname == "WARNING"
    assert re.fullmatch(
        r"tick slow ran past the next slot of its schedule: \d+ run\(s\) skipped meanwhile "
        r"\(it took \d+ ms\)",
        said.getMessage(),
    )
    # APScheduler's own line for each skipped run is not repeated.
    assert "maximum number of running instances" not in caplog.text
    # The slots skipped meanwhile are marked, after the slot the slow tick ticked.
    wait_until(lambda: "skipped" in dict(ticks_of(sessions, "slow")).values(), "a mark")
    first, *rest = ticks_of(sessions, "slow")
    assert all(at > first[0] for at, status in rest if status == "skipped")


def skipped_while_running(daemon: Daemon, entry_id: str, *due: datetime) -> None:
    """What APScheduler reports for runs due while the entry's previous run still goes."""
    event = JobSubmissionEvent(EVENT_JOB_MAX_INSTANCES, tick_job_id(entry_id), "default", due)
    daemon.overruns.skipped(event)


@sqlite_only
def test_a_run_skipped_while_the_previous_one_went_on_marks_its_slot_skipped(
    sessions: sessionmaker[Session], holdings: Path
) -> None:
    family = entry("family", CsvSource(path=holdings), every="1h")
    slot = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    daemon = Daemon(Settings(portfolios=[family]), sessions, clock=lambda: slot)
    skipped_while_running(daemon, "family", slot + timedelta(hours=1))
    daemon.tick(family)
    assert ticks_of(sessions, "family") == [(slot, "ok"), (slot + timedelta(hours=1), "skipped")]
    with sessions() as session:
        reason = session.scalars(select(Tick.error).where(Tick.status == "skipped")).one()
    assert reason == "the entry's previous run was still going"


@sqlite_only
def test_a_run_skipped_in_the_slot_the_tick_held_up_ticked_marks_nothing(
    sessions: sessionmaker[Session], holdings: Path
) -> None:
    family = entry("family", CsvSource(path=holdings), every="1h")
    slot = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    daemon = Daemon(Settings(portfolios=[family]), sessions, clock=lambda: slot)
    skipped_while_running(daemon, "family", slot + timedelta(seconds=30))
    daemon.tick(family)
    assert ticks_of(sessions, "family") == [(slot, "ok")]


@sqlite_only
def test_a_slot_marked_skipped_is_ticked_when_a_later_run_reaches_it(
    sessions: sessionmaker[Session], holdings: Path
) -> None:
    family = entry("family", CsvSource(path=holdings), every="1h")
    slot = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    daemon = Daemon(Settings(portfolios=[family]), sessions, clock=lambda: slot)
    skipped_while_running(daemon, "family", slot + timedelta(hours=1))
    daemon.tick(family)
    restarted = Daemon(
        Settings(portfolios=[family]), sessions, clock=lambda: slot + timedelta(hours=1, minutes=5)
    )
    outcome = restarted.tick(family)  # as at a restart within the skipped slot
    assert outcome is not None
    assert outcome.status == "ok"
    assert ticks_of(sessions, "family") == [(slot, "ok"), (slot + timedelta(hours=1), "ok")]


def skipped_runs(daemon: Daemon, task: str) -> float:
    """``allocation_monitor_skipped_runs_total`` as /metrics would show it."""
    registry = CollectorRegistry()
    registry.register(daemon.metrics)
    found = registry.get_sample_value("allocation_monitor_skipped_runs_total", {"task": task})
    return found or 0.0


@sqlite_only
def test_stop_waits_for_the_tick_in_flight(
    sessions: sessionmaker[Session],
    gate: Gate,
    request: pytest.FixtureRequest,
) -> None:
    slow = entry("slow", GatedSource(gate=request.node.name), every="1h")
    daemon = Daemon(Settings(portfolios=[slow]), sessions)
    daemon.start()
    wait_until(lambda: gate.running == 1, "the tick to fetch")
    stopper = threading.Thread(target=daemon.stop)
    stopper.start()
    stopper.join(0.5)
    assert stopper.is_alive(), "stop() returned while a tick was still fetching"
    assert ticks_of(sessions, "slow")[0][1] == "running"
    gate.release.set()
    stopper.join(WAIT)
    assert not stopper.is_alive()
    assert [status for _, status in ticks_of(sessions, "slow")] == ["ok"]
    with sessions() as session:
        assert session.scalars(select(Snapshot.portfolio_id)).all() == ["slow"]


def fire_times(cron: str, since: datetime, count: int) -> list[datetime]:
    trigger = trigger_for(Schedule(cron=cron, timezone=NY), "UTC")
    fires: list[datetime] = []
    fire = trigger.get_next_fire_time(None, since)
    while fire is not None and len(fires) < count:
        fires.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    return fires


def test_a_daily_cron_fires_once_on_the_night_clocks_go_back() -> None:
    # 2026-11-01 01:30 happens twice in New York: at 05:30 UTC (EDT) and 06:30 UTC (EST).
    assert fire_times("30 1 * * *", datetime(2026, 10, 31, 12, tzinfo=UTC), 3) == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),
        datetime(2026, 11, 3, 6, 30, tzinfo=UTC),
    ]


def test_the_latest_slot_in_the_repeated_hour_is_the_first_occurrence() -> None:
    trigger = trigger_for(Schedule(cron="30 1 * * *", timezone=NY), "UTC")
    assert latest_slot(trigger, datetime(2026, 11, 1, 6, 45, tzinfo=UTC)) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


def test_an_every_20_minutes_cron_keeps_running_through_the_repeated_hour() -> None:
    fires = fire_times("*/20 * * * *", datetime(2026, 11, 1, 5, 30, tzinfo=UTC), 6)
    gaps = {later - earlier for earlier, later in itertools.pairwise(fires)}
    assert gaps == {timedelta(minutes=20)}


def test_a_cron_time_skipped_when_clocks_go_forward_fires_an_hour_later() -> None:
    # 2026-03-08 02:30 does not exist in New York; it runs at 03:30 EDT (07:30 UTC).
    assert fire_times("30 2 * * *", datetime(2026, 3, 7, 12, tzinfo=UTC), 2) == [
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),
    ]


def test_a_database_down_for_a_minute_is_one_warning_a_reminder_and_one_recovery_per_job(
    outage: Outage, holdings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    family = entry("family", CsvSource(path=holdings), every="2s")
    clock = Clock(datetime(2026, 1, 5, 18, 0, tzinfo=UTC))
    daemon = Daemon(Settings(portfolios=[family]), session_factory(outage.engine), clock=clock)
    caplog.set_level(logging.INFO)
    assert daemon.tick(family) is not None
    caplog.clear()
    outage.down()
    for _ in range(31):  # 62 s of ticks every 2 s, and of drains
        clock.advance(timedelta(seconds=2))
        assert daemon.tick(family) is None
        daemon.drain()
    outage.up()
    clock.advance(timedelta(seconds=2))
    back = daemon.tick(family)
    daemon.drain()
    assert back is not None and back.status == "ok"
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    cause = lines[0][1].removeprefix("tick family failing: ")
    assert cause.startswith(("cannot reach the database server", "cannot open the SQLite"))
    assert lines == [
        ("WARNING", f"tick family failing: {cause}"),
        ("WARNING", f"outbox drain failing: {cause}"),
        ("WARNING", f"tick family still failing, 31 times in 60s: {cause}"),
        ("WARNING", f"outbox drain still failing, 31 times in 60s: {cause}"),
        ("INFO", "tick family works again, after 62s and 31 failure(s)"),
        ("INFO", describe_outcome(back)),
        ("INFO", "outbox drain works again, after 62s and 31 failure(s)"),
    ]
    assert not any(r.exc_info or r.exc_text for r in caplog.records)
