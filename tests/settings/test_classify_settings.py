"""[classify] and a portfolio's own classify table, resolved once when settings load."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.settings import load_settings

CONFIG = """
[classify]
file = "classes.csv"
symbols = { VTI = "stocks", BND = "bonds" }
rules = [{ field = "type", match = "money market", asset_class = "cash" }]

[[portfolios]]
id = "family"
source = { kind = "csv", path = "family.csv" }
classify = { symbols = { BND = "bonds/us" }, fallback = "other" }

[[portfolios]]
id = "kids"
source = { kind = "csv", path = "kids.csv" }
"""


def write(
    folder: Path, config: str, classes: str = "symbol,asset_class\nVXUS,stocks/intl\n"
) -> Path:
    (folder / "classes.csv").write_text(classes)
    path = folder / "allocation-monitor.toml"
    path.write_text(config)
    return path


def test_the_map_is_the_files_symbols_with_the_tables_over_them(tmp_path: Path) -> None:
    classifier = load_settings(write(tmp_path, CONFIG)).entry_config("kids").classifier
    assert dict(classifier.symbols) == {"VXUS": "stocks/intl", "VTI": "stocks", "BND": "bonds"}
    assert classifier.fallback is None


def test_a_portfolios_classify_table_adds_to_the_top_level_one(tmp_path: Path) -> None:
    classifier = load_settings(write(tmp_path, CONFIG)).entry_config("family").classifier
    assert classifier.symbols["BND"] == "bonds/us"
    assert classifier.symbols["VTI"] == "stocks"
    assert classifier.fallback == "other"
    assert [rule.asset_class for rule in classifier.rules] == ["cash"]


def test_a_bad_class_in_the_map_is_refused_naming_the_portfolio_and_key(tmp_path: Path) -> None:
    config = CONFIG.replace('BND = "bonds/us"', 'BND = "bonds:50;x:"')
    with pytest.raises(ConfigError, match=r"portfolio 'family': classify\.symbols\.BND"):
        load_settings(write(tmp_path, config))


def test_a_classes_file_that_is_missing_is_refused_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, CONFIG)
    (tmp_path / "classes.csv").unlink()
    with pytest.raises(ConfigError, match=r"classify\.file: cannot read"):
        load_settings(path)


def test_a_portfolio_that_sets_no_fallback_keeps_the_top_level_one(tmp_path: Path) -> None:
    config = CONFIG.replace("[classify]\n", '[classify]\nfallback = "other"\n').replace(
        ', fallback = "other" }', " }"
    )
    classifier = load_settings(write(tmp_path, config)).entry_config("family").classifier
    assert classifier.fallback == "other"
