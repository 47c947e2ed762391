"""Source kinds from other distributions, through the ``allocation_monitor.sources`` group.

Each test installs a tiny plugin distribution (a module and its ``*.dist-info``) into a temp
folder put on ``sys.path``, as pip would into site-packages.
"""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import monitor.sources
from monitor.errors import ConfigError
from monitor.settings import load_settings
from monitor.sources import SourceError, source_kinds

PLUGIN_MODULE = "am_test_plugin"
PLUGIN_CODE = '''
from __future__ import annotations

from typing import Literal

from monitor.sources import Holding, SourceError, SourceOptions, make_holding


class StaticSource(SourceOptions):
    """Always the same one holding, worth ``value``."""

    kind: Literal["static"] = "static"
    value: int

    def fetch(self) -> list[Holding]:
        try:
            return [make_holding("AAPL", "stocks", value=self.value, where="AAPL")]
        except ValueError as error:
            raise SourceError(self.describe(), str(error)) from None


class ShadowCsv(StaticSource):
    kind: Literal["csv"] = "csv"


def not_a_source() -> None:
    pass
'''

Install = Callable[[str], None]


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """``install_plugin("static = am_test_plugin:StaticSource")``: entry points, one a line."""

    def install(entry_points: str) -> None:
        site = tmp_path / "site-packages"
        info = site / "am_test_plugin-1.0.dist-info"
        info.mkdir(parents=True)
        (site / f"{PLUGIN_MODULE}.py").write_text(PLUGIN_CODE)
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: am-test-plugin\nVersion: 1.0\n"
        )
        (info / "entry_points.txt").write_text(
            "[allocation_monitor.sources]\n" + textwrap.dedent(entry_points)
        )
        monkeypatch.syspath_prepend(str(site))  # also invalidates the import caches
        source_kinds.cache_clear()

    yield install
    sys.modules.pop(PLUGIN_MODULE, None)
    source_kinds.cache_clear()  # forget the plugin once sys.path no longer has it


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_every_built_in_kind_is_known() -> None:
    assert sorted(source_kinds()) == [
        "beancount",
        "command",
        "csv",
        "http",
        "json",
        "ofx",
        "sql",
        "yaml",
    ]


def test_a_plugin_kind_is_accepted_by_the_config_and_fetched(
    tmp_path: Path, install_plugin: Install
) -> None:
    install_plugin("static = am_test_plugin:StaticSource\n")
    config = tmp_path / "allocation-monitor.toml"
    config.write_text('[[portfolios]]\nid = "p"\nsource = { kind = "static", value = 7 }\n')
    [holding] = load_settings(config).portfolios[0].source.fetch()
    assert (holding.symbol, holding.value) == ("AAPL", Decimal(7))


def test_a_plugin_refuses_a_bad_holding_in_make_holdings_words_as_a_source_error(
    tmp_path: Path, install_plugin: Install
) -> None:
    install_plugin("static = am_test_plugin:StaticSource\n")
    config = tmp_path / "allocation-monitor.toml"
    config.write_text('[[portfolios]]\nid = "p"\nsource = { kind = "static", value = -7 }\n')
    with pytest.raises(SourceError) as refused:
        load_settings(config).portfolios[0].source.fetch()
    assert str(refused.value) == "static: AAPL.value: must not be negative, got -7"


def test_the_plugin_api_is_the_four_names_monitor_sources_exports() -> None:
    assert sorted(monitor.sources.__all__) == [
        "Holding",
        "SourceError",
        "SourceOptions",
        "make_holding",
    ]


def test_a_plugin_that_fails_to_import_is_skipped_with_a_warning_naming_it(
    install_plugin: Install, caplog: pytest.LogCaptureFixture
) -> None:
    install_plugin(
        """
        broken = am_missing_module:Source
        static = am_test_plugin:StaticSource
        """
    )
    with caplog.at_level(logging.WARNING, logger="monitor.sources"):
        kinds = source_kinds()
    assert "static" in kinds
    assert warnings(caplog) == [
        "source kind plugin 'broken' (am_missing_module:Source) failed to load and is "
        "skipped: ModuleNotFoundError: No module named 'am_missing_module'"
    ]


def test_an_entry_that_is_not_a_source_options_class_is_skipped_with_a_warning(
    install_plugin: Install, caplog: pytest.LogCaptureFixture
) -> None:
    install_plugin("helper = am_test_plugin:not_a_source\n")
    with caplog.at_level(logging.WARNING, logger="monitor.sources"):
        kinds = source_kinds()
    assert "helper" not in kinds
    assert warnings(caplog) == [
        "source kind plugin 'helper' (am_test_plugin:not_a_source) is skipped: it is not a "
        'SourceOptions subclass declaring kind: Literal["its-name"]'
    ]


def test_a_plugin_cannot_replace_a_built_in_kind(
    install_plugin: Install, caplog: pytest.LogCaptureFixture
) -> None:
    install_plugin("csv = am_test_plugin:ShadowCsv\n")
    with caplog.at_level(logging.WARNING, logger="monitor.sources"):
        kinds = source_kinds()
    assert kinds["csv"].__module__ == "monitor.sources.csv"
    assert warnings(caplog) == [
        "source kind plugin 'csv' (am_test_plugin:ShadowCsv) is skipped: kind 'csv' is "
        "already provided by monitor.sources.csv"
    ]


def test_the_entry_point_scan_runs_once_per_process(install_plugin: Install) -> None:
    install_plugin("static = am_test_plugin:StaticSource\n")
    first = source_kinds()
    (Path(sys.path[0]) / "am_test_plugin-1.0.dist-info" / "entry_points.txt").write_text("")
    assert source_kinds() is first
    assert "static" in source_kinds()


def test_an_unknown_kind_lists_the_plugin_kinds_too(
    tmp_path: Path, install_plugin: Install
) -> None:
    install_plugin("static = am_test_plugin:StaticSource\n")
    config = tmp_path / "allocation-monitor.toml"
    config.write_text('[[portfolios]]\nid = "p"\nsource = { kind = "ftp" }\n')
    with pytest.raises(
        ConfigError,
        match="known kinds: beancount, command, csv, http, json, ofx, sql, static, yaml",
    ):
        load_settings(config)
