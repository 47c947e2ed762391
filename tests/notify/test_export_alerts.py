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


def test_an_account_left_out_of_a_partial_tick_gets_its_own_stale_alert_by_name(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    fidelity = SCHWAB.parent / "Portfolio_Positions_Dec-03-2026.csv"
    shutil.copy(fidelity, tmp_path / "fidelity.csv")
    entry = portfolio_entry(
        "family", '{ kind = "csv", path = "fidelity.csv" }', targets={"stocks": 55, "bonds": 45}
    )
    world = make_world(
        engine,
        tmp_path,
        urls=[webhook_sink.json_url],
        notify={"stale_after": 2},
        portfolios=[entry + '[portfolios.classify]\nsymbols = { VTI = "stocks", BND = "bonds" }\n'],
    )
    assert world.tick("family").status == "partial"
    world.drain()
    assert failures(webhook_sink) == []  # once is not yet stale
    assert world.tick("family").status == "partial"
    world.drain()
    (alert,) = failures(webhook_sink)
    assert "family/Y87654321" in alert["title"]
    assert "2 unclassified symbol(s): VXUS, VBIAX;" in alert["message"]


def failures(sink: WebhookSink) -> list[dict[str, str]]:
    """The stale-data alerts a sink received (drift alerts of the other accounts aside)."""
    return [r.json for r in sink.requests if r.json["type"] == "failure"]
