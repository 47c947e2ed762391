"""``allocation-monitor tick`` on a broker's export: each account classified, or named."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app

FIDELITY = (
    Path(__file__).parents[1] / "fixtures" / "brokers" / "Portfolio_Positions_Dec-03-2026.csv"
)


def config(folder: Path, classify: str) -> Path:
    shutil.copy(FIDELITY, folder / FIDELITY.name)
    path = folder / "monitor.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{folder / "monitor.db"}"\n'
        "[targets]\nstocks = 55\nbonds = 35\ncash = 10\n"
        f"[classify]\n{classify}\n"
        '[[portfolios]]\nid = "family"\nschedule = { every = "1h" }\n'
        'source = { kind = "csv", path = "Portfolio_Positions_*.csv" }\n'
    )
    return path


def test_tick_reads_the_newest_export_and_says_which_account_is_left_out(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = config(tmp_path, 'symbols = { VTI = "stocks", BND = "bonds", VXUS = "stocks" }')
    result = runner.invoke(app, ["--config", str(path), "tick", "--no-send"])
    assert result.exit_code == 0, result.output
    line = " ".join(result.stdout.split())
    assert ": partial, value 11,236.11," in line
    assert "error: family/Y87654321: holdings: 1 unclassified symbol(s): VBIAX;" in line


def test_tick_exits_1_when_no_account_can_be_classified(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--config", str(config(tmp_path, "")), "tick", "--no-send"])
    assert result.exit_code == 1
    assert "unclassified symbol(s): VTI, BND;" in " ".join(result.stdout.split())
