"""Each entry's settings, its own over the top-level ones, worked out once when they load."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.domain.alerting import AlertPolicy
from monitor.errors import ConfigError, UnknownPortfolioError
from monitor.settings import Settings, load_settings

CONFIG = """
threshold = 4
[targets]
stocks = 60
bonds = 40
[plan]
min_trade = 100
[notify]
urls = ["json://localhost:9/hook"]
cooldown = "12h"
templates_dir = "templates"

[[portfolios]]
id = "family"
source = { kind = "csv", path = "family.csv" }
threshold = 3
targets = { stocks = 70, bonds = 30 }
plan = { mode = "buy_only", cash = 500 }
notify = { cooldown = "7d", send_resolved = false }

[[portfolios]]
id = "kids"
source = { kind = "csv", path = "kids.csv" }
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    path = tmp_path / "allocation-monitor.toml"
    path.write_text(CONFIG)
    return load_settings(path)


def test_an_entry_runs_with_its_own_keys_over_the_top_level_ones(
    settings: Settings, tmp_path: Path
) -> None:
    family = settings.entry_config("family")
    assert family.targets == {"stocks": 70, "bonds": 30}
    assert (family.policy.threshold, family.policy.min_trade) == (Decimal(3), Decimal(100))
    assert (family.plan.mode, family.plan.cash, family.plan.min_trade) == (
        "buy_only",
        Decimal(500),
        Decimal(100),
    )
    assert family.plan_configured
    assert family.notify.urls == ["json://localhost:9/hook"]
    assert family.notify.templates_dir == str(tmp_path / "templates")
    assert family.alerts == AlertPolicy(cooldown=timedelta(days=7), send_resolved=False)


def test_an_entry_without_keys_of_its_own_runs_with_the_top_level_ones(
    settings: Settings, tmp_path: Path
) -> None:
    kids = settings.entry_config("kids")
    assert kids.targets == {"stocks": 60, "bonds": 40}
    assert (kids.policy.threshold, kids.plan.mode) == (Decimal(4), "buy_and_sell")
    assert kids.notify.templates_dir == str(tmp_path / "templates")
    assert kids.alerts.cooldown == timedelta(hours=12)
    assert settings.default_config.targets == kids.targets
    assert settings.default_config.policy == kids.policy


def test_an_entry_is_worked_out_once_when_the_settings_load(settings: Settings) -> None:
    assert settings.entry_config("family") is settings.entry_config("family")
    assert settings.default_config is settings.default_config


def test_an_unknown_entry_is_refused_naming_the_known_ones(settings: Settings) -> None:
    with pytest.raises(UnknownPortfolioError) as refused:
        settings.entry_config("nobody")
    assert str(refused.value) == "unknown portfolio 'nobody'; known portfolios: family, kids"


def test_settings_made_in_code_have_their_entries_too() -> None:
    settings = Settings.model_validate(
        {"portfolios": [{"id": "solo", "source": {"kind": "csv", "path": "solo.csv"}}]}
    )
    assert settings.entry_config("solo").policy == settings.default_config.policy
    assert not settings.entry_config("solo").plan_configured


def test_an_entry_whose_merged_policy_cannot_work_is_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "allocation-monitor.toml"
    path.write_text(
        "[[portfolios]]\n"
        'id = "family"\n'
        'source = { kind = "csv", path = "family.csv" }\n'
        'drift_rule = "hybrid"\n'
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert "portfolio 'family': drift_rule: the hybrid rule" in str(refused.value)
