"""``check`` of holdings in several currencies: a base currency, rates from a file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures"
MIXED = "symbol,asset_class,value,currency\nVTI,stocks,6000,USD\nBUND,bonds,4000,EUR\n"
TARGETS = '{"stocks": 60, "bonds": 40}'


def files(tmp_path: Path) -> tuple[Path, Path]:
    holdings = tmp_path / "h.csv"
    holdings.write_text(MIXED)
    rates = tmp_path / "rates.csv"
    rates.write_text("EURUSD,1.0842,2026-12-02\n")
    return holdings, rates


def test_check_shows_the_base_currency_and_the_currency_exposure(
    runner: CliRunner, tmp_path: Path
) -> None:
    holdings, rates = files(tmp_path)
    result = runner.invoke(
        app,
        [
            *("check", "-H", str(holdings), "--targets", TARGETS),
            *("--base-currency", "usd", "--fx-rates", str(rates)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Portfolio value USD 10,336.80" in result.stdout
    assert "Currency exposure" in result.stdout
    eur = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["EUR"])
    assert eur.split() == ["EUR", "4,336.80", "4,000.00", "41.95"]
    assert "EURUSD 1.0842 (2026-12-02)" in result.stdout


def test_check_json_with_the_ecb_file_crosses_gbp_through_eur(
    runner: CliRunner, tmp_path: Path
) -> None:
    holdings = tmp_path / "h.csv"
    holdings.write_text("symbol,asset_class,value,currency\nVOD,stocks,1000,GBP\n")
    result = runner.invoke(
        app,
        [
            *("check", "-H", str(holdings), "--targets", '{"stocks": 100}'),
            *("--base-currency", "USD", "--fx-rates", str(FIXTURES / "eurofxref-daily.xml")),
            *("--format", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    # 1,000 GBP x 1.0842 / 0.8521 = 1,272.3858... USD.
    assert (body["base_currency"], body["portfolio_value"]) == ("USD", 1272.39)
    assert [r["pair"] for r in body["fx_rates"]] == ["EURGBP", "EURUSD"]


def test_check_without_a_rate_exits_2_naming_the_pair(runner: CliRunner, tmp_path: Path) -> None:
    holdings, _ = files(tmp_path)
    result = runner.invoke(
        app, ["check", "-H", str(holdings), "--targets", TARGETS, "--base-currency", "USD"]
    )
    assert result.exit_code == 2
    assert "--fx-rates: no exchange rate for EURUSD" in result.stderr
    assert "Traceback" not in result.output


def test_check_of_two_currencies_without_a_base_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    holdings, _ = files(tmp_path)
    result = runner.invoke(app, ["check", "-H", str(holdings), "--targets", TARGETS])
    assert result.exit_code == 2
    assert "--base-currency: the holdings are in more than one currency (EUR, USD)" in (
        result.stderr
    )


def test_config_validate_warns_of_a_missing_rates_file_and_show_gives_its_options(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        'base_currency = "USD"\n[fx]\nsource = { kind = "csv", path = "rates.csv" }\n'
    )
    validated = runner.invoke(app, ["--config", str(config), "config", "validate"])
    assert f"warning: fx.source.path: file not found: {tmp_path / 'rates.csv'}" in (
        validated.stderr + validated.stdout
    )
    shown = runner.invoke(app, ["--config", str(config), "config", "show", "--format", "json"])
    source = json.loads(shown.stdout)["fx"]["source"]
    assert (source["kind"], source["path"]) == ("csv", str(tmp_path / "rates.csv"))
