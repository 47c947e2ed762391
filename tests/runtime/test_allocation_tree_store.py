"""Trees and funds through the daemon: ticks, snapshot rows, drift history, alerts and
attribution, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.attribution import attribute
from monitor.runtime.pipeline import run_tick
from monitor.settings import Settings, load_settings
from monitor.store.alert_states import load_alert_states
from monitor.store.drift import drift_history
from monitor.store.snapshots import latest_snapshot

D = Decimal
SLOT = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
CONFIG = """
[targets]
stocks = { target = 60, children = { us = 70, intl = 30 } }
bonds = 40

[[portfolios]]
id = "family"
source = { kind = "csv", path = "family.csv" }
"""
# 10,000: VTI 4,000 in stocks/us; BAL, a 60/40 fund of 5,000, counts 3,000 in stocks (so
# 2,100 us and 900 intl) and 2,000 in bonds; BND 1,000 in bonds.
HOLDINGS = (
    "symbol,asset_class,quantity,price\n"
    "VTI,stocks/us,16,250\n"
    "BAL,stocks:60;bonds:40,100,50\n"
    "BND,bonds,10,100\n"
)


def settings_in(tmp_path: Path, holdings: str = HOLDINGS) -> Settings:
    (tmp_path / "family.csv").write_text(holdings)
    (tmp_path / "monitor.toml").write_text(CONFIG)
    return load_settings(tmp_path / "monitor.toml")


def tick(settings: Settings, sessions: sessionmaker[Session], slot: datetime) -> None:
    entry = settings.portfolios[0]
    outcome = run_tick(entry, settings, slot, sessions=sessions, clock=lambda: slot)
    assert outcome.status == "ok", outcome.error


def test_a_tick_stores_every_level_and_the_funds_slices(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    tick(settings_in(tmp_path), sessions, SLOT)
    with sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
        state = load_alert_states(session=session, portfolio_ids=["family"])["family"]
    assert snapshot is not None
    assert [(c.asset_class, c.current_value, c.drift, c.breach) for c in snapshot.classes] == [
        ("stocks", D(7000), D(10), "absolute"),
        ("stocks/us", D(6100), D(19), "absolute"),  # 61% vs 42%
        ("stocks/intl", D(900), D(-9), "absolute"),  # 9% vs 18%
        ("bonds", D(3000), D(-10), "absolute"),
    ]
    assert snapshot.total_drift == D(38)  # us 19 + intl 9 + bonds 10: the leaves
    assert snapshot.holdings is not None
    assert sorted((h.symbol, h.asset_class, h.quantity, h.value) for h in snapshot.holdings) == [
        ("BAL", "bonds", D(40), D(2000)),
        ("BAL", "stocks/intl", D(18), D(900)),
        ("BAL", "stocks/us", D(42), D(2100)),
        ("BND", "bonds", D(10), D(1000)),
        ("VTI", "stocks/us", D(16), D(4000)),
    ]
    assert state.drift_state == "drifted"
    assert state.notified_classes == {"stocks", "stocks/us", "stocks/intl", "bonds"}


def test_drift_history_and_attribution_follow_sub_classes(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    settings = settings_in(tmp_path)
    tick(settings, sessions, SLOT)
    # A day later VTI is up from 250 to 300 and 4 more BND were bought.
    settings_in(tmp_path, HOLDINGS.replace("16,250", "16,300").replace("10,100", "14,100"))
    tick(settings, sessions, SLOT + timedelta(days=1))
    with sessions() as session:
        points = drift_history(session=session, portfolio_id="family", asset_class="stocks/us")
        first = latest_snapshot(
            session=session, portfolio_id="family", until=SLOT + timedelta(hours=1)
        )
        last = latest_snapshot(session=session, portfolio_id="family")
    assert len(points) == 2
    assert points[0].drifts == {"stocks/us": D(19)}
    assert first is not None and last is not None
    found = attribute(first.valuation(), last.valuation())
    effects = {
        c.asset_class: (c.market_effect, c.flow_effect, c.unattributed) for c in found.classes
    }
    assert effects["stocks/us"] == (D(800), D(0), D(0))  # 16 VTI x 50
    assert effects["stocks"] == (D(800), D(0), D(0))  # its children's, not counted twice
    assert effects["bonds"] == (D(0), D(400), D(0))
    assert (found.total.change, found.total.market_effect, found.total.flow_effect) == (
        D(1200),
        D(800),
        D(400),
    )
