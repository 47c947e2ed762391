"""``allocation-monitor classify``: the symbols the map does not know, as TOML to paste."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app

FIDELITY = (
    Path(__file__).parents[1] / "fixtures" / "brokers" / "Portfolio_Positions_Dec-03-2026.csv"
)


def classify(runner: CliRunner, tmp_path: Path, config: str, *args: str) -> tuple[int, str]:
    path = tmp_path / "monitor.toml"
    path.write_text(config)
    result = runner.invoke(app, ["--config", str(path), "classify", *args])
    return result.exit_code, result.stdout


def test_the_unknown_symbols_are_printed_as_a_toml_table_with_their_descriptions(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = '[classify]\nsymbols = { VTI = "stocks" }\n'
    code, text = classify(runner, tmp_path, config, "--holdings", str(FIDELITY))
    assert code == 0
    assert 'BND = ""  # VANGUARD BD INDEX FDS TOTAL BND MRKT' in text
    assert tomllib.loads(text) == {"classify": {"symbols": {"BND": "", "VXUS": "", "VBIAX": ""}}}


def test_a_file_whose_symbols_all_have_a_class_says_so(runner: CliRunner, tmp_path: Path) -> None:
    config = '[classify]\nfallback = "other"\n'
    assert classify(runner, tmp_path, config, "--holdings", str(FIDELITY)) == (
        0,
        "# every symbol of Portfolio_Positions_Dec-03-2026.csv has a class\n",
    )


def test_a_portfolios_own_source_is_read_and_a_symbol_that_is_no_bare_key_quoted(
    runner: CliRunner, tmp_path: Path
) -> None:
    holdings = tmp_path / "h.csv"
    holdings.write_text("Ticker,Worth\nBRK.B,$100.00\n")
    config = (
        '[[portfolios]]\nid = "x"\nsource = { kind = "csv", path = "h.csv", format = "generic", '
        'columns = { symbol = "Ticker", value = "Worth" } }\n'
    )
    path = tmp_path / "monitor.toml"
    path.write_text(config)
    result = runner.invoke(app, ["--config", str(path), "classify", "--portfolio", "x"])
    assert '"BRK.B" = ""' in result.stdout
