"""Plans and bands in the config file, and the daemon's ticks honouring the minimum trade."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import ConfigError
from monitor.runtime.pipeline import run_tick
from monitor.settings import Settings, load_settings
from monitor.store.alert_states import load_alert_states
from monitor.store.snapshots import latest_snapshot

SLOT = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
BANDED = """
[targets]
stocks = { target = 60, min = 55, max = 66 }
bonds = { target = 35, buy = "BND" }
crypto = { target = 5, fractional = true }
"""


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    return load_settings(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return caught.value.problems


def test_targets_in_the_config_carry_bands_buy_symbols_and_fractions(tmp_path: Path) -> None:
    targets = load(tmp_path, BANDED).targets
    assert targets == {"stocks": 60, "bonds": 35, "crypto": 5}
    stocks, bonds, crypto = (targets.spec(k) for k in ("stocks", "bonds", "crypto"))
    assert (stocks.band_min, stocks.band_max) == (Decimal(55), Decimal(66))
    assert (bonds.buy, crypto.fractional) == ("BND", True)


def test_the_effective_config_writes_targets_back_as_written(tmp_path: Path) -> None:
    dumped = load(tmp_path, BANDED).model_dump()["targets"]
    assert dumped == {
        "stocks": {"target": Decimal(60), "min": Decimal(55), "max": Decimal(66)},
        "bonds": {"target": Decimal(35), "buy": "BND"},
        "crypto": {"target": Decimal(5), "fractional": True},
    }


def test_a_bad_band_in_the_config_is_named_by_its_path(tmp_path: Path) -> None:
    found = problems(tmp_path, "[targets]\nstocks = { target = 60, min = 65 }\nbonds = 40\n")
    assert found == ["targets: stocks.min: min 65 is above the target 60"]


def test_targets_can_come_from_the_environment_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_TARGETS", '{"stocks": {"target": 70, "max": 75}, "bonds": 30}')
    targets = load(tmp_path, "").targets
    assert targets == {"stocks": 70, "bonds": 30}
    assert targets.spec("stocks").band_max == Decimal(75)


PORTFOLIO = """
[plan]
mode = "buy_only"
min_trade = 50

[[portfolios]]
id = "family"
source = { kind = "csv", path = "family.csv" }

[portfolios.plan]
min_trade = 250
"""


def test_a_portfolios_plan_overrides_only_the_keys_it_sets(tmp_path: Path) -> None:
    settings = load(tmp_path, PORTFOLIO)
    plan = settings.entry_config(settings.portfolios[0].id).plan
    assert (plan.mode, plan.min_trade) == ("buy_only", Decimal(250))
    assert (settings.plan.mode, settings.plan.min_trade) == ("buy_only", Decimal(50))


def test_the_daemons_drift_policy_takes_the_portfolios_minimum_trade(tmp_path: Path) -> None:
    settings = load(tmp_path, PORTFOLIO)
    assert settings.entry_config(settings.portfolios[0].id).policy.min_trade == Decimal(250)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[plan]\nmode = "sell_all"\n', "plan.mode: Input should be 'buy_and_sell'"),
        ("[plan]\nmin_trade = -5\n", "plan.min_trade: Input should be greater than or equal to 0"),
        ("[plan]\nminimum = 5\n", "plan.minimum: unknown key"),
    ],
)
def test_a_bad_plan_setting_is_named(tmp_path: Path, text: str, problem: str) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith(problem)


# A 10,000 portfolio with cash at 6.5% of a 5% target: past the 5/25 relative band by a
# 150 trade. With min_trade 200 the daemon neither stores it as breaching nor alerts.
SMALL_BREACH = "symbol,asset_class,value\nVTI,stocks,9350\nUSD,cash,650\n"


def daemon_config(tmp_path: Path, min_trade: int) -> Settings:
    (tmp_path / "family.csv").write_text(SMALL_BREACH)
    return load(
        tmp_path,
        "relative_threshold = 0.25\n[targets]\nstocks = 95\ncash = 5\n"
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "family.csv" }\n'
        f"[portfolios.plan]\nmin_trade = {min_trade}\n",
    )


@pytest.mark.parametrize(("min_trade", "drifted"), [(0, True), (200, False)])
def test_a_tick_alerts_only_on_breaches_worth_a_trade(
    tmp_path: Path, sessions: sessionmaker[Session], min_trade: int, drifted: bool
) -> None:
    settings = daemon_config(tmp_path, min_trade)
    entry = settings.portfolios[0]
    outcome = run_tick(entry, settings, SLOT, sessions=sessions, clock=lambda: SLOT)
    assert (outcome.status, outcome.out_of_band) == ("ok", int(drifted))
    with sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
        state = load_alert_states(session=session, portfolio_ids=["family"])["family"]
    assert snapshot is not None
    assert snapshot.needs_rebalancing is drifted
    assert [c.breach for c in snapshot.classes] == [None, "relative" if drifted else None]
    assert state.drift_state == ("drifted" if drifted else "in_band")


def test_a_target_tree_in_the_config(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        "[targets]\nbonds = 40\n\n[targets.stocks]\ntarget = 60\n"
        "children = { us = 70, intl = { target = 30, max = 40 } }\n",
    )
    assert settings.targets == {"bonds": 40, "stocks": 60, "stocks/us": 42, "stocks/intl": 18}
    assert settings.targets.spec("stocks/intl").band_max == Decimal(24)


def test_the_drift_rule_and_band_edge_come_from_the_config(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        'relative_threshold = 0.2\ndrift_rule = "hybrid"\n'
        '[plan]\nrebalance_to = "band_edge"\ntolerance = 0.25\n'
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "f.csv" }\n'
        'drift_rule = "either"\n',
    )
    defaults = settings.default_config.policy
    assert (defaults.drift_rule, defaults.rebalance_to, defaults.tolerance) == (
        "hybrid",
        "band_edge",
        Decimal("0.25"),
    )
    family = settings.entry_config(settings.portfolios[0].id).policy
    assert (family.drift_rule, family.rebalance_to) == ("either", "band_edge")


def test_the_hybrid_floor_comes_from_the_config_and_a_portfolio_may_set_its_own(
    tmp_path: Path,
) -> None:
    settings = load(
        tmp_path,
        'relative_threshold = 0.2\ndrift_rule = "hybrid"\nhybrid_floor = 0.5\n'
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "f.csv" }\n'
        "hybrid_floor = 2\n"
        '[[portfolios]]\nid = "kids"\nsource = { kind = "csv", path = "k.csv" }\n',
    )
    family, kids = (settings.entry_config(p.id).policy for p in settings.portfolios)
    assert (
        settings.default_config.policy.hybrid_floor,
        family.hybrid_floor,
        kids.hybrid_floor,
    ) == (
        Decimal("0.5"),
        Decimal(2),
        Decimal("0.5"),
    )
    assert family.rule_width(Decimal(5)) == (Decimal(2), "hybrid")  # 1 pp relative
    assert Settings().default_config.policy.hybrid_floor == Decimal(1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('drift_rule = "hybrid"\n', "the hybrid rule is max(relative_threshold x target"),
        ("hybrid_floor = -1\n", "hybrid_floor: Input should be greater than or equal to 0"),
        ('drift_rule = "wider"\n', "drift_rule: Input should be 'either' or 'hybrid'"),
        ("[plan]\ntolerance = 1.5\n", "plan.tolerance: Input should be less than or equal to 1"),
        ('[plan]\nrebalance_to = "edge"\n', "plan.rebalance_to: Input should be"),
        (
            "[targets]\nstocks = { target = 100, children = { us = 50 } }\n",
            "targets: stocks.children: children must sum to 100, they sum to 50",
        ),
    ],
)
def test_a_bad_band_setting_is_named(tmp_path: Path, text: str, problem: str) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1 and problem in found[0]


def test_a_portfolio_on_the_hybrid_rule_needs_a_relative_threshold(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "f.csv" }\n'
        'drift_rule = "hybrid"\n',
    )
    assert len(found) == 1 and "portfolio 'family': drift_rule: the hybrid rule" in found[0]


def test_which_classes_a_plan_trades_comes_from_the_plan_tables(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        '[plan]\ntrade = "breaching"\n'
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "f.csv" }\n'
        '[portfolios.plan]\ntrade = "all"\n'
        '[[portfolios]]\nid = "kids"\nsource = { kind = "csv", path = "k.csv" }\n',
    )
    family, kids = (settings.entry_config(p.id).plan.request().trade for p in settings.portfolios)
    assert (settings.plan.request().trade, family, kids) == ("breaching", "all", "breaching")
    assert Settings().plan.trade == "all"
    found = problems(tmp_path, '[plan]\ntrade = "some"\n')
    assert found == ["plan.trade: Input should be 'all' or 'breaching'"]
