"""``check`` on a broker's export: classified by the config's map, or exit 2 naming symbols."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app

SCHWAB = (
    Path(__file__).parents[1]
    / "fixtures"
    / "brokers"
    / "Joint_Tenant_XXX724_Positions_2026-05-03-131700.csv"
)
CONFIG = """
[targets]
stocks = 60
bonds = 35
cash = 5
[classify]
symbols = { SCHB = "stocks", SCHZ = "bonds" }
"""


def test_check_reads_a_broker_export_classified_by_the_configs_map(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(CONFIG)
    result = runner.invoke(app, ["--config", str(config), "check", "--holdings", str(SCHWAB)])
    assert result.exit_code == 0, result.output
    assert "SCHB" not in result.stderr


def test_check_exits_2_naming_every_unclassified_symbol(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(CONFIG.replace('SCHB = "stocks", ', ""))
    result = runner.invoke(app, ["--config", str(config), "check", "--holdings", str(SCHWAB)])
    assert result.exit_code == 2
    assert "holdings: 1 unclassified symbol(s): SCHB;" in result.stderr


def test_check_reads_an_ofx_statement(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        "[targets]\nstocks = 60\nbonds = 30\ncash = 10\n"
        '[classify]\nsymbols = { VTI = "stocks", BND = "bonds" }\n'
    )
    statement = SCHWAB.parent / "statement-1x.ofx"
    result = runner.invoke(
        app, ["--config", str(config), "check", "--holdings", str(statement), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert '"portfolio_value": 10000' in result.stdout
