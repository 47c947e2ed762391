"""The CLI on Schwab's one file per account (``files = "each"``): each file an account."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app

SAMPLES = Path(__file__).parents[1] / "fixtures" / "brokers"
FILES = [
    SAMPLES / "Joint_Tenant_XXX724_Positions_2026-05-03-131700.csv",
    *sorted((SAMPLES / "schwab").glob("*.csv")),
]
ROTH = SAMPLES / "schwab" / "Roth_IRA_XXX905_Positions_2026-05-02-094500.csv"
SYMBOLS = 'SCHB = "stocks", SCHF = "stocks", SCHG = "stocks", SCHZ = "bonds", SCHP = "bonds"'


def config(folder: Path, symbols: str = SYMBOLS) -> Path:
    for sample in FILES:
        shutil.copy(sample, folder / sample.name)
    path = folder / "monitor.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{folder / "monitor.db"}"\n'
        "[targets]\nstocks = 60\nbonds = 30\ncash = 10\n"
        '[[portfolios]]\nid = "schwab"\nschedule = { every = "1h" }\n'
        'source = { kind = "csv", path = "*_Positions_*.csv", files = "each" }\n'
        f"classify = {{ symbols = {{ {symbols} }} }}\n"
    )
    return path


def test_tick_computes_every_accounts_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--config", str(config(tmp_path)), "tick", "--no-send"])
    assert result.exit_code == 0, result.output
    line = " ".join(result.stdout.split())
    assert ": ok, value 36,500.00, worst drift 23.33 pp, 2 of 3 accounts" in line


def test_tick_names_the_account_whose_file_holds_an_unclassified_symbol(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = config(tmp_path, SYMBOLS.replace('SCHG = "stocks", ', ""))
    result = runner.invoke(app, ["--config", str(path), "tick", "--no-send"])
    assert result.exit_code == 0, result.output
    line = " ".join(result.stdout.split())
    assert ": partial, value 31,000.00," in line
    assert "error: schwab/905: holdings: 1 unclassified symbol(s): SCHG;" in line


def test_check_portfolio_classifies_one_accounts_file_by_the_entrys_map_out_of_band(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = config(tmp_path)
    result = runner.invoke(
        app,
        ["--config", str(path), "check", "--portfolio", "schwab", "-H", str(ROTH), "-f", "json"],
    )
    assert result.exit_code == 1, result.output  # stocks at 69.27 %, far above their 60
    assert '"portfolio_value": 5500' in result.stdout
    assert "unclassified" not in result.output


def test_classify_portfolio_lists_what_no_accounts_file_has_a_class_for(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = config(tmp_path, 'SCHB = "stocks", SCHZ = "bonds"')
    result = runner.invoke(app, ["--config", str(path), "classify", "--portfolio", "schwab"])
    assert result.exit_code == 0, result.output
    assert [line.split(" =")[0] for line in result.stdout.splitlines() if " = " in line] == [
        "SCHF",
        "SCHG",
        "SCHP",
    ]
