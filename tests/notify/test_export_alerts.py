"""A broker's export from a tick to a delivered alert: the drift alert once its symbols are
classified; before that, the stale-data alert naming the symbols nothing classifies."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine

from tests.fixtures.sinks import WebhookSink
from tests.notify.world import make_world, portfolio_entry, titles

SCHWAB = (
    Path(__file__).parents[1]
    / "fixtures"
    / "brokers"
    / "Joint_Tenant_XXX724_Positions_2026-05-03-131700.csv"
)
TARGETS = {"stocks": 50, "bonds": 45, "cash": 5}


def joint(classify: str = "") -> str:
    entry = portfolio_entry("joint", '{ kind = "csv", path = "schwab.csv" }', targets=TARGETS)
    return entry + (f"[portfolios.classify]\n{classify}\n" if classify else "")


def test_a_classified_export_brings_the_first_drift_alert(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    shutil.copy(SCHWAB, tmp_path / "schwab.csv")
    world = make_world(
        engine,
        tmp_path,
        urls=[webhook_sink.json_url],
        portfolios=[joint('symbols = { SCHB = "stocks", SCHZ = "bonds" }')],
    )
    assert world.tick("joint").status == "ok"
    world.drain()
    assert titles(webhook_sink) == ["Rebalance joint: 2 classes out of band"]


def test_unclassified_symbols_reach_the_stale_data_alert_by_name(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    shutil.copy(SCHWAB, tmp_path / "schwab.csv")
    world = make_world(
        engine,
        tmp_path,
        urls=[webhook_sink.json_url],
        notify={"stale_after": 1},
        portfolios=[joint()],
    )
    assert world.tick("joint").status == "failed"
    world.drain()
    (alert,) = webhook_sink.requests
    assert alert.json["type"] == "failure"
    assert "2 unclassified symbol(s): SCHB, SCHZ;" in alert.json["message"]
