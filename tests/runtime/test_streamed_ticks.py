"""A tick of many accounts, read, computed, written and decided a batch of accounts at a
time, in one transaction: all of the tick is written, or none of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import monitor.runtime.tick_reading
import monitor.runtime.tick_recording
import monitor.sources.csv_pieces
from monitor.domain.allocation import Holding
from monitor.runtime.pipeline import run_tick
from monitor.settings import PortfolioSettings, Settings
from monitor.sources import SourceError, SourceOptions
from monitor.store.models import Notification, Portfolio
from monitor.store.snapshots import NewSnapshot, latest_snapshot, save_snapshots
from tests.runtime.test_pipeline import SLOT, World, clock_at

FIVE_ACCOUNTS = "account,symbol,asset_class,value\n" + "".join(
    f"a-{n},VTI,stocks,{600 + 100 * n}\na-{n},BND,bonds,400\n" for n in range(5)
)


@pytest.fixture
def world(tmp_path: Path, sessions: sessionmaker[Session]) -> World:
    return World(tmp_path, sessions)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two accounts a batch, the file read about two rows a piece."""
    monkeypatch.setattr(monitor.runtime.tick_reading, "ACCOUNTS_PER_BATCH", 2)
    monkeypatch.setattr(monitor.sources.csv_pieces, "CHUNK_BYTES", 40)


@pytest.mark.usefixtures("small_batches")
def test_a_tick_of_more_accounts_than_a_batch_writes_every_account(world: World) -> None:
    world.csv_portfolio("clients", FIVE_ACCOUNTS)
    outcome = world.tick("clients")
    assert (outcome.status, outcome.accounts, outcome.out_of_band) == ("ok", 5, 3)
    assert outcome.value == Decimal(1000 * 5 + 100 * (0 + 1 + 2 + 3 + 4))
    assert round(outcome.worst_drift or 0, 2) == Decimal("11.43")  # a-4: 1,000 of 1,400
    assert [world.snapshot_count(f"clients/a-{n}") for n in range(5)] == [1] * 5
    with world.sessions() as session:
        last = latest_snapshot(session=session, portfolio_id="clients/a-4")
    assert last is not None and last.holdings is not None
    assert {(h.symbol, h.value) for h in last.holdings} == {
        ("VTI", Decimal(1000)),
        ("BND", Decimal(400)),
    }


@pytest.mark.usefixtures("small_batches")
def test_a_tick_writes_its_snapshots_a_batch_of_accounts_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[list[str]] = []

    def recording(*, session: Session, snapshots: list[NewSnapshot]) -> list[int]:
        written.append([s.portfolio_id for s in snapshots])
        return save_snapshots(session=session, snapshots=snapshots)

    monkeypatch.setattr(monitor.runtime.tick_recording, "save_snapshots", recording)
    world.csv_portfolio("clients", FIVE_ACCOUNTS)
    assert world.tick("clients").accounts == 5
    assert written == [
        ["clients/a-0", "clients/a-1"],
        ["clients/a-2", "clients/a-3"],
        ["clients/a-4"],
    ]


@pytest.mark.usefixtures("small_batches")
def test_a_digest_over_several_batches_names_every_account_out_of_band(world: World) -> None:
    world.csv_portfolio(
        "clients", FIVE_ACCOUNTS, 'notify = { urls = ["json://127.0.0.1:9/hook"] }\n'
    )
    outcome = world.tick("clients")
    assert outcome.notifications == 1
    with world.sessions() as session:
        [payload] = session.execute(select(Notification.payload)).scalars().all()
    digest = payload if isinstance(payload, dict) else json.loads(payload)
    assert [a["portfolio_id"] for a in digest["accounts"]] == [
        "clients/a-4",
        "clients/a-3",
        "clients/a-2",
    ]
    assert (digest["counts"]["total"], digest["counts"]["new"]) == (5, 3)


@pytest.mark.usefixtures("small_batches")
def test_an_account_whose_rows_come_back_later_is_joined_as_before(world: World) -> None:
    world.csv_portfolio(
        "clients",
        "account,symbol,asset_class,value\n"
        "a-1,VTI,stocks,600\nb-2,VTI,stocks,900\nc-3,VTI,stocks,500\n"
        "a-1,BND,bonds,400\nb-2,BND,bonds,100\nc-3,BND,bonds,500\n",
    )
    outcome = world.tick("clients")
    assert (outcome.status, outcome.accounts) == ("ok", 3)
    with world.sessions() as session:
        a1 = latest_snapshot(session=session, portfolio_id="clients/a-1")
    assert a1 is not None
    assert a1.portfolio_value == Decimal(1000)


class FailingHalfway(SourceOptions):
    """Gives one account's holdings, then fails: as a file that breaks off mid-read."""

    kind: str = "halfway"

    def fetch(self) -> list[Holding]:
        raise AssertionError("read a batch at a time")

    def fetch_batches(self) -> Iterator[list[Holding]]:
        for account in ("a-1", "b-2"):
            yield [Holding("VTI", "stocks", Decimal(600), account=account)]
        raise SourceError(self.describe(), "connection lost")


def test_a_source_failing_after_batches_were_written_leaves_none_of_the_tick(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitor.runtime.tick_reading, "ACCOUNTS_PER_BATCH", 1)
    entry = PortfolioSettings(id="clients", source=FailingHalfway())
    settings = Settings(portfolios=[entry])
    outcome = run_tick(entry, settings, SLOT, sessions=world.sessions, clock=clock_at(SLOT))
    assert (outcome.status, outcome.error) == ("failed", "halfway: connection lost")
    assert world.snapshot_count() == 0
    with world.sessions() as session:
        portfolios = session.execute(select(func.count()).select_from(Portfolio)).scalar_one()
    assert portfolios == 1  # the entry's, from its claim; no account's
