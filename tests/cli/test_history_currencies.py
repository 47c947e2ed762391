"""``history`` of a portfolio in a base currency: its value names it, a column per currency."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor.cli import app
from monitor.domain.allocation import compute_allocation, make_holding
from monitor.domain.fx import Rate, RateTable
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def mixed_history(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = compute_allocation(
        [
            make_holding("VTI", "stocks", value=6000, currency="USD", where="VTI"),
            make_holding("BUND", "bonds", value=4000, currency="EUR", where="BUND"),
        ],
        {"stocks": Decimal(60), "bonds": Decimal(40)},
        base_currency="USD",
        rates=RateTable([Rate("EUR", "USD", Decimal("1.0842"), date(2026, 12, 2))]),
    )
    with sessions() as session:
        ensure_portfolios(session=session, portfolios=[NewPortfolio("family", "F")], now=AT)
        save_snapshots(session=session, snapshots=[NewSnapshot("family", None, AT, report)])
        session.commit()
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)


def test_history_table_names_the_currency_and_the_share_held_in_each(
    runner: CliRunner, mixed_history: None
) -> None:
    result = runner.invoke(app, ["history", "--portfolio", "family"])
    assert result.exit_code == 0, result.output
    assert "USD %" in result.stdout and "EUR %" in result.stdout
    (row,) = [line.split() for line in result.stdout.splitlines() if "2026-12-03" in line]
    assert row[3:5] == ["USD", "10,336.80"]
    assert row[-2:] == ["58.05", "41.95"]


def test_history_json_gives_the_currency_exposure(runner: CliRunner, mixed_history: None) -> None:
    result = runner.invoke(app, ["history", "--portfolio", "family", "--format", "json"])
    (point,) = json.loads(result.stdout)
    assert (point["currency"], point["currency_exposure"]) == ("USD", {"USD": 58.05, "EUR": 41.95})
