"""base_currency at the top level and per portfolio, [fx], and currency targets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.settings import Settings, load_settings
from monitor.sources.csv import CsvSource

CONFIG = """
base_currency = "usd"
[fx]
source = { kind = "csv", path = "rates.csv" }
max_age = "4d"

[[portfolios]]
id = "family"
source = { kind = "csv", path = "family.csv" }
base_currency = "EUR"
currency_targets = { usd = 60, EUR = 40 }

[[portfolios]]
id = "kids"
source = { kind = "csv", path = "kids.csv" }
"""


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "allocation-monitor.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, text)
    return str(refused.value)


def test_an_entry_s_base_currency_is_its_own_else_the_top_level_one(tmp_path: Path) -> None:
    settings = load(tmp_path, CONFIG)
    assert settings.entry_config("family").base_currency == "EUR"
    assert settings.entry_config("kids").base_currency == "USD"
    assert settings.default_config.base_currency == "USD"


def test_currency_targets_are_upper_cased_and_kept_per_entry(tmp_path: Path) -> None:
    settings = load(tmp_path, CONFIG)
    assert settings.entry_config("family").currency_targets == {
        "USD": Decimal(60),
        "EUR": Decimal(40),
    }
    assert settings.entry_config("kids").currency_targets is None


def test_the_fx_source_s_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    settings = load(tmp_path, CONFIG)
    assert isinstance(settings.fx.source, CsvSource)
    assert settings.fx.source.path == tmp_path / "rates.csv"
    assert (settings.fx.format, settings.fx.max_age) == ("pairs", timedelta(days=4))


def test_without_a_base_currency_it_is_single_currency_mode(tmp_path: Path) -> None:
    settings = load(
        tmp_path, '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "p.csv" }\n'
    )
    assert settings.entry_config("p").base_currency is None
    assert settings.fx.source is None


def test_a_base_currency_that_is_not_a_code_is_refused_naming_it(tmp_path: Path) -> None:
    message = refusal(tmp_path, 'base_currency = "dollars"\n')
    assert "base_currency" in message
    assert "expected a three-letter currency code such as USD, got 'dollars'" in message


def test_currency_targets_must_sum_to_100(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "p.csv" }\n'
        "currency_targets = { USD = 60, EUR = 30 }\n",
    )
    assert "portfolios[p].currency_targets: currency targets must sum to 100" in message
    assert "currency targets must sum to 100, they sum to 90" in message


def test_an_fx_source_of_a_kind_that_reads_no_text_is_refused(tmp_path: Path) -> None:
    message = refusal(
        tmp_path, '[fx]\nsource = { kind = "sql", url = "sqlite:///r.db", query = "SELECT 1" }\n'
    )
    assert "unknown source kind 'sql'; known kinds: command, csv, http, json" in message


def test_currency_targets_without_a_base_currency_are_refused(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "p.csv" }\n'
        "currency_targets = { USD = 60, EUR = 40 }\n",
    )
    assert "portfolio 'p': currency_targets need a base_currency" in message


TOP_LEVEL_TARGETS = """
base_currency = "USD"
currency_targets = { USD = 60, eur = 40 }

[[portfolios]]
id = "family"
source = { kind = "csv", path = "family.csv" }

[[portfolios]]
id = "europe"
source = { kind = "csv", path = "europe.csv" }
base_currency = "EUR"
currency_targets = { EUR = 100 }
"""


def test_top_level_currency_targets_serve_entries_without_their_own(tmp_path: Path) -> None:
    settings = load(tmp_path, TOP_LEVEL_TARGETS)
    top_level = {"USD": Decimal(60), "EUR": Decimal(40)}
    assert settings.entry_config("family").currency_targets == top_level
    assert settings.default_config.currency_targets == top_level


def test_an_entry_s_own_currency_targets_win_whole(tmp_path: Path) -> None:
    settings = load(tmp_path, TOP_LEVEL_TARGETS)
    assert settings.entry_config("europe").currency_targets == {"EUR": Decimal(100)}


def test_top_level_currency_targets_refuse_an_entry_with_no_base(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        """
currency_targets = { USD = 60, EUR = 40 }
[[portfolios]]
id = "euro"
source = { kind = "csv", path = "euro.csv" }
base_currency = "EUR"
[[portfolios]]
id = "plain"
source = { kind = "csv", path = "plain.csv" }
""",
    )
    # euro has its own base: fine; plain has none, and the top level sets none either.
    assert "portfolio 'plain': currency_targets need a base_currency" in message
    assert "'euro'" not in message
