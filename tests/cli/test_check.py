"""``allocation-monitor check``: the seed's numbers, its exit statuses, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_check_json_output_is_the_calculate_response(
    runner: CliRunner, seed_holdings_file: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "check",
            "--holdings",
            str(seed_holdings_file),
            "--portfolio-value",
            "183535.63",
            "--format",
            "json",
        ],
    )
    body = json.loads(result.stdout)
    stocks = body["asset_classes"][0]
    assert (stocks["current_percent"], stocks["target_value"], stocks["difference"]) == (
        14.68,
        91767.82,
        -64827.82,
    )
    assert body["rebalancing_actions"][0]["amount"] == 64827.82
    assert (
        body["alerts"][0] == "STOCKS: under-allocated by 35.32% (current: 14.68%, target: 50.00%)"
    )


def test_check_exits_1_when_rebalancing_is_needed(
    runner: CliRunner, seed_holdings_file: Path
) -> None:
    result = runner.invoke(app, ["check", "--holdings", str(seed_holdings_file)])
    assert result.exit_code == 1, result.output


def test_check_exits_0_when_in_band(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,62\nBND,bonds,38\n")
    result = runner.invoke(
        app, ["check", "--holdings", str(path), "--targets", '{"stocks": 60, "bonds": 40}']
    )
    assert result.exit_code == 0, result.output
    assert "in band" in result.stdout


def test_check_table_shows_an_aligned_row_per_class(
    runner: CliRunner, seed_holdings_file: Path
) -> None:
    result = runner.invoke(
        app, ["check", "--holdings", str(seed_holdings_file), "--portfolio-value", "183535.63"]
    )
    stocks_line = next(
        line for line in result.stdout.splitlines() if line.strip().startswith("stocks")
    )
    assert stocks_line.split() == [
        "stocks",
        "26,940.00",
        "14.68",
        "50.00",
        "91,767.82",
        "-64,827.82",
        "-35.32",
        "REBALANCE",
        "(absolute)",
    ]
    assert "BUY  stocks" in result.stdout
    assert "64,827.82" in result.stdout


def test_check_reads_quantity_and_price_csv(runner: CliRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv", "symbol,asset_class,quantity,price\nVTI,stocks,10,60\nBND,bonds,5,80\n"
    )
    result = runner.invoke(
        app,
        ["check", "-H", str(path), "--targets", '{"stocks": 60, "bonds": 40}', "-f", "json"],
    )
    body = json.loads(result.stdout)
    assert body["portfolio_value"] == 1000.0
    assert result.exit_code == 0


def test_check_with_cash_prints_the_buy_only_plan(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,700\nBND,bonds,300\n")
    result = runner.invoke(
        app,
        ["check", "-H", str(path), "--targets", '{"stocks": 60, "bonds": 40}', "--cash", "500"],
    )
    assert "Buy-only plan for new cash 500.00:" in result.stdout
    assert [line.split() for line in result.stdout.splitlines() if line.startswith("  BUY")][
        -2:
    ] == [
        ["BUY", "stocks", "200.00"],
        ["BUY", "bonds", "300.00"],
    ]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("symbol,value\nVTI,1\n", ".csv", "missing column(s) asset_class"),
        (
            "symbol,asset_class,value\nVTI,stocks,1\nBND,bonds,lots\n",
            ".csv",
            "line 3: value: expected a number",
        ),
        (
            "symbol,asset_class,value\nVTI,stocks,-4\n",
            ".csv",
            "line 2: value: must not be negative",
        ),
        (
            '{"AAPL": {"asset_class": "stocks"}}',
            ".json",
            "needs a value, or a quantity and a price",
        ),
        (
            '{"AAPL": {"asset_class": "stocks", "value": NaN}}',
            ".json",
            "NaN is not a number JSON allows",
        ),
        ("{not json", ".json", "invalid JSON at line 1"),
        ("symbol,asset_class,value\nVTI,stocks,0\n", ".csv", "worth nothing"),
    ],
)
def test_check_bad_holdings_exit_2_with_one_line(
    runner: CliRunner, tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = write(tmp_path / f"h{suffix}", content)
    result = runner.invoke(app, ["check", "--holdings", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_check_a_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--holdings", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_check_a_portfolio_value_below_the_holdings_exits_2(
    runner: CliRunner, seed_holdings_file: Path
) -> None:
    result = runner.invoke(app, ["check", "-H", str(seed_holdings_file), "--portfolio-value", "10"])
    assert result.exit_code == 2
    assert "portfolio_value" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--threshold", "abc", "--threshold: expected a number"),
        ("--threshold", "0", "--threshold: must be above 0"),
        ("--portfolio-value", "-3", "--portfolio-value: must not be negative"),
        ("--targets", '{"stocks": 50}', "--targets: targets must sum to 100, they sum to 50"),
        ("--cash", "inf", "--cash: must be a finite number"),
    ],
)
def test_check_bad_options_exit_2_naming_the_option(
    runner: CliRunner, seed_holdings_file: Path, option: str, value: str, message: str
) -> None:
    result = runner.invoke(app, ["check", "-H", str(seed_holdings_file), option, value])
    assert result.exit_code == 2
    assert message in result.stderr


def test_check_help_documents_the_exit_statuses(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", "--help"])
    assert "0 in band, 1 rebalancing needed, 2 bad input" in result.stdout
