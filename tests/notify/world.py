"""A small world for end-to-end alert tests: a config file, holdings files the test edits,
a real database, ticks through ``pipeline.run_tick`` and drains through ``drain_outbox``,
all on one injected clock."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.notify.drain import drain_outbox
from monitor.notify.rounds import DrainResult
from monitor.runtime.pipeline import run_tick
from monitor.runtime.tick_context import TickOutcome
from monitor.settings import Settings, load_settings
from monitor.store.engine import session_factory
from monitor.store.outbox import OutboxItem, list_notifications
from tests.fixtures.sinks import WebhookSink

START = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
TARGETS = {"stocks": 60, "bonds": 40}
# The seed's holdings (without its portfolio_value: a source gives holdings only).
SEED_HOLDINGS = {
    "AAPL": {"asset_class": "stocks", "value": 26940},
    "VOO": {"asset_class": "etfs", "value": 30000},
    "Gold": {"asset_class": "commodities", "value": 20740},
    "BTC": {"asset_class": "crypto", "value": 0},
}


class Clock:
    """The one time every tick, drain and lease in a test reads."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


def toml_value(value: Any) -> str:
    return json.dumps(value)  # TOML strings, numbers and arrays of them read as JSON does


def config_text(
    *, urls: Iterable[str], notify: Mapping[str, Any], portfolios: Iterable[str]
) -> str:
    notify_lines = "\n".join(f"{key} = {toml_value(value)}" for key, value in notify.items())
    return f"[notify]\nurls = {toml_value(list(urls))}\n{notify_lines}\n" + "\n".join(portfolios)


def portfolio_entry(
    portfolio_id: str, source: str, *, targets: Mapping[str, int] | None = None
) -> str:
    lines = [
        "[[portfolios]]",
        f'id = "{portfolio_id}"',
        f"source = {source}",
        'schedule = { every = "1h" }',
    ]
    if targets is not None:
        lines.append("[portfolios.targets]")
        lines += [f"{name} = {percent}" for name, percent in targets.items()]
    return "\n".join(lines) + "\n"


@dataclass
class World:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    folder: Path

    def tick(
        self, portfolio_id: str = "family", *, every: timedelta = timedelta(hours=1)
    ) -> TickOutcome:
        """The next tick of ``portfolio_id``: the clock moves on by ``every`` first, so
        each tick has its own scheduled slot."""
        entry = self.settings.portfolio(portfolio_id)
        assert entry is not None
        slot = self.clock.advance(every)
        return run_tick(entry, self.settings, slot, sessions=self.sessions, clock=self.clock)

    def drain(self) -> DrainResult:
        return drain_outbox(self.settings, self.sessions, clock=self.clock)

    def notifications(self, status: str | None = None) -> list[OutboxItem]:
        with self.sessions() as session:
            return list_notifications(session=session, status=status, limit=10_000)


def make_world(
    engine: Engine,
    folder: Path,
    *,
    urls: Iterable[str],
    notify: Mapping[str, Any] | None = None,
    portfolios: Iterable[str] = (),
) -> World:
    path = folder / "allocation-monitor.toml"
    path.write_text(
        config_text(urls=urls, notify=notify or {}, portfolios=portfolios), encoding="utf-8"
    )
    return World(load_settings(path), session_factory(engine), Clock(), folder)


# The one-portfolio entry most alert tests tick: two classes, holdings in family.json.
FAMILY = portfolio_entry("family", '{ kind = "json", path = "family.json" }', targets=TARGETS)


def titles(sink: WebhookSink) -> list[str]:
    """The titles a webhook sink received, in order."""
    return [request.json["title"] for request in sink.requests]


def write_holdings(path: Path, holdings: Mapping[str, Mapping[str, Any]]) -> None:
    path.write_text(json.dumps(holdings), encoding="utf-8")


def two_class_holdings(stocks: float) -> dict[str, dict[str, Any]]:
    """A 100.00 portfolio with ``stocks`` in stocks and the rest in bonds (targets 60/40)."""
    return {
        "VTI": {"asset_class": "stocks", "value": stocks},
        "BND": {"asset_class": "bonds", "value": 100 - stocks},
    }


def write_accounts(path: Path, stocks_by_account: Mapping[str, float]) -> None:
    """A multi-account CSV: each account holds 100.00, ``stocks`` of it in stocks."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account", "symbol", "asset_class", "value"])
        for account, stocks in stocks_by_account.items():
            writer.writerow([account, "VTI", "stocks", stocks])
            writer.writerow([account, "BND", "bonds", 100 - stocks])


CLIENTS = portfolio_entry("clients", '{ kind = "csv", path = "clients.csv" }', targets=TARGETS)


@dataclass(frozen=True)
class StockedOutbox:
    world: World
    family_sent: int  # family drifted, delivered
    digest_sent: int  # clients: 120 of 200 accounts drifted, delivered
    family_dead: int  # family escalated, refused once with max_attempts = 1


def stocked_outbox(engine: Engine, folder: Path, sink: WebhookSink, url: str = "") -> StockedOutbox:
    """An outbox with a sent alert, a sent digest of 120 accounts and a dead alert."""
    world = make_world(
        engine,
        folder,
        urls=[url or sink.json_url],
        notify={"max_attempts": 1},
        portfolios=[FAMILY, CLIENTS],
    )
    write_holdings(folder / "family.json", two_class_holdings(70))
    world.tick("family")
    write_accounts(
        folder / "clients.csv",
        {f"acct-{n:03d}": 70 + n % 10 if n < 120 else 60 for n in range(200)},
    )
    world.tick("clients", every=timedelta(0))
    world.drain()
    sink.fail()
    write_holdings(folder / "family.json", two_class_holdings(80))
    world.tick("family", every=timedelta(minutes=5))
    world.drain()
    sink.recover()
    family_sent, digest_sent, family_dead = sorted(n.id for n in world.notifications())
    return StockedOutbox(world, family_sent, digest_sent, family_dead)
