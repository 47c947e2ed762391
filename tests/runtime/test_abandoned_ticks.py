"""A tick whose process died mid-way (SIGKILL, a lost machine) leaves its claim ``running``.

The claim is a lease: past ``CLAIM_LEASE`` another claimant takes the slot over and ticks
it; a tick that outlived its lease and was taken over writes nothing; the daemon that found
a slot held tries it again when the holder's lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.allocation import Holding
from monitor.runtime.pipeline import run_tick
from monitor.runtime.scheduler import Daemon, retry_job_id
from monitor.runtime.tick_context import TickOutcome
from monitor.settings import PortfolioSettings, Schedule, Settings
from monitor.sources import SourceOptions
from monitor.store.alert_states import load_alert_states
from monitor.store.models import Snapshot, Tick
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.ticks import CLAIM_LEASE, claim_tick
from monitor.store.transactions import write_transaction

SLOT = datetime(2026, 1, 5, tzinfo=UTC)  # on the grid of every schedule below
TARGETS = {"stocks": 60, "bonds": 40}


class HeldSource(SourceOptions):
    """70/30 holdings, after running ``while_fetching`` (another process's turn)."""

    kind: str = "held"
    while_fetching: Callable[[], None] = lambda: None

    def fetch(self) -> list[Holding]:
        self.while_fetching()
        return [Holding("VTI", "stocks", Decimal(70)), Holding("BND", "bonds", Decimal(30))]


def entry(source: HeldSource | None = None, **schedule: str) -> PortfolioSettings:
    return PortfolioSettings(
        id="family",
        targets=TARGETS,
        schedule=Schedule.model_validate(schedule or {"every": "1d"}),
        source=source or HeldSource(),
    )


def killed_mid_tick(sessions: sessionmaker[Session], claimed_at: datetime) -> None:
    """What a process killed after claiming ``SLOT`` leaves behind: the claim, nothing else."""
    with write_transaction(sessions) as session:
        ensure_portfolios(session=session, portfolios=[NewPortfolio("family", "")], now=claimed_at)
        claimed = claim_tick(
            session=session, portfolio_id="family", scheduled_at=SLOT, started_at=claimed_at
        )
    assert claimed is not None


def tick_at(
    sessions: sessionmaker[Session], moment: datetime, portfolio: PortfolioSettings | None = None
) -> TickOutcome:
    portfolio = portfolio or entry()
    settings = Settings(portfolios=[portfolio])
    return run_tick(portfolio, settings, SLOT, sessions=sessions, clock=lambda: moment)


def stored(sessions: sessionmaker[Session]) -> tuple[list[tuple[str, datetime]], int]:
    """The slot's tick rows (status, claimed at) and the number of snapshots."""
    with sessions() as session:
        ticks = session.execute(select(Tick.status, Tick.started_at).order_by(Tick.id)).all()
        snapshots = session.execute(select(func.count()).select_from(Snapshot)).scalar_one()
    return [(status, started_at) for status, started_at in ticks], snapshots


def test_a_claim_within_its_lease_is_left_to_its_holder(sessions: sessionmaker[Session]) -> None:
    killed_mid_tick(sessions, SLOT)
    assert tick_at(sessions, SLOT + CLAIM_LEASE).status == "skipped"
    assert stored(sessions) == ([("running", SLOT)], 0)


def test_a_claim_left_running_past_its_lease_is_taken_over_and_the_slot_ticks(
    sessions: sessionmaker[Session],
) -> None:
    killed_mid_tick(sessions, SLOT)
    later = SLOT + CLAIM_LEASE + timedelta(seconds=1)
    outcome = tick_at(sessions, later)
    assert (outcome.status, outcome.notifications) == ("ok", 0)  # no route: none queued
    assert stored(sessions) == ([("ok", later)], 1)


def test_a_finished_tick_is_never_taken_over(sessions: sessionmaker[Session]) -> None:
    assert tick_at(sessions, SLOT).status == "ok"
    assert tick_at(sessions, SLOT + 10 * CLAIM_LEASE).status == "skipped"
    assert stored(sessions) == ([("ok", SLOT)], 1)


def test_a_tick_taken_over_while_it_ran_writes_nothing(sessions: sessionmaker[Session]) -> None:
    later = SLOT + CLAIM_LEASE + timedelta(seconds=1)

    def taken_over() -> None:  # this tick outlives its lease; another process claims the slot
        with write_transaction(sessions) as session:
            assert claim_tick(
                session=session, portfolio_id="family", scheduled_at=SLOT, started_at=later
            )

    outcome = tick_at(sessions, SLOT, entry(HeldSource(while_fetching=taken_over)))
    assert outcome.status == "skipped"
    assert stored(sessions) == ([("running", later)], 0)  # the new holder's to finish
    with sessions() as session:
        state = load_alert_states(session=session, portfolio_ids=["family"])["family"]
    assert state.drift_state == "in_band"  # the 70/30 drift was not decided by the loser


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_daemon_finding_its_slot_held_tries_again_when_the_lease_runs_out(
    sessions: sessionmaker[Session],
) -> None:
    claimed_at = SLOT + timedelta(seconds=5)
    killed_mid_tick(sessions, claimed_at)
    portfolio = entry(every="1d")
    restarted_at = SLOT + timedelta(seconds=30)
    daemon = Daemon(Settings(portfolios=[portfolio]), sessions, clock=lambda: restarted_at)
    outcome = daemon.tick(portfolio)  # as at a restart: the catch-up finds the claim
    assert outcome is not None
    assert outcome.status == "skipped"
    retry = daemon.scheduler.get_job(retry_job_id("family"))
    assert retry is not None
    assert retry.trigger.run_date == claimed_at + CLAIM_LEASE + timedelta(seconds=1)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_retry_is_planned_when_the_next_slot_comes_before_the_lease_runs_out(
    sessions: sessionmaker[Session],
) -> None:
    killed_mid_tick(sessions, SLOT)
    portfolio = entry(every="5m")
    daemon = Daemon(Settings(portfolios=[portfolio]), sessions, clock=lambda: SLOT)
    assert daemon.tick(portfolio) is not None
    assert daemon.scheduler.get_job(retry_job_id("family")) is None
