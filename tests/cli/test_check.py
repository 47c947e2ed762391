"""``allocation-monitor check``: the seed's numbers, its exit statuses, and bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.builders import TREE


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
        "45-55",
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
        [
            "check",
            "-H",
            str(path),
            "--targets",
            '{"stocks": 60, "bonds": 40}',
            *("--mode", "buy_only", "--cash", "500"),
        ],
    )
    assert "Plan (buy_only): buy 500.00, sell 0.00, new cash 500.00; cash left 0.00" in (
        result.stdout
    )
    assert [line.split() for line in result.stdout.splitlines() if line.startswith("  BUY")] == [
        ["BUY", "stocks", "200.00", "70.00%", "->", "60.00%"],
        ["BUY", "bonds", "300.00", "30.00%", "->", "40.00%"],
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
        (
            '{"AAPL": {"asset_class": "stocks", "value": 1000, "quantity": 3, "price": 4}}',
            ".json",
            "holdings.AAPL.value: 1000 is not quantity x price (3 x 4 = 12)",
        ),
        ("symbol,asset_class,value\nVTI,stocks,0\n", ".csv", "worth nothing"),
        ("symbol,asset_class,value\nVTI,stocks,0.001\n", ".csv", "worth nothing"),
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


def test_check_a_portfolio_value_below_the_holdings_exits_2_naming_the_option(
    runner: CliRunner, seed_holdings_file: Path
) -> None:
    result = runner.invoke(app, ["check", "-H", str(seed_holdings_file), "--portfolio-value", "10"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --portfolio-value: 10 is below the holdings' sum 77680.00"
    )


@pytest.mark.parametrize("name", ["exports", "h.csv"])
def test_check_of_a_folder_says_it_is_a_folder(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    folder = tmp_path / name
    folder.mkdir()
    result = runner.invoke(app, ["check", "-H", str(folder)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: --holdings: {folder} is a folder, not a file"


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


SHARES_CSV = (
    "symbol,asset_class,quantity,price\n"
    "VTI,stocks,24,250\nVXUS,stocks,20,50\nBND,bonds,10,80\nAGG,bonds,22,100\n"
)
SIXTY_FORTY = '{"stocks": 60, "bonds": {"target": 40, "buy": "BND"}}'


def plan_lines(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Plan ("))
    return [line.rstrip() for line in lines[start:]]


def test_check_trades_only_the_breaching_classes_when_told(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "h.csv",
        "symbol,asset_class,value\nVTI,stocks,5700\nBND,bonds,2200\nGLD,gold,2100\n",
    )
    args = ["check", "-H", str(path), "--targets", '{"stocks": 50, "bonds": 25, "gold": 25}']
    result = runner.invoke(app, [*args, "--trade", "breaching"])
    assert plan_lines(result.stdout)[:2] == [
        "Plan (buy_and_sell, breaching classes only): buy 0.00, sell 700.00; cash left 700.00",
        "  SELL stocks                   700.00   57.00% -> 50.00%",
    ]
    everyone = plan_lines(runner.invoke(app, args).stdout)
    assert everyone[0] == "Plan (buy_and_sell): buy 700.00, sell 700.00; cash left 0.00"


def test_check_prints_a_plan_in_whole_shares(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", SHARES_CSV)
    result = runner.invoke(app, ["check", "-H", str(path), "--targets", SIXTY_FORTY])
    assert result.exit_code == 1, result.output
    assert plan_lines(result.stdout) == [
        "Plan (buy_and_sell): buy 960.00, sell 1,000.00; cash left 40.00",
        "  SELL stocks                 1,000.00   70.00% -> 60.00%",
        "         sell 4 VTI @ 250.00 = 1,000.00",
        "  BUY  bonds                    960.00   30.00% -> 39.60%",
        "         buy 12 BND @ 80.00 = 960.00",
    ]


def test_check_buy_only_with_cash_and_a_minimum_trade(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", SHARES_CSV)
    result = runner.invoke(
        app,
        [
            *("check", "-H", str(path), "--targets", SIXTY_FORTY),
            *("--mode", "buy_only", "--cash", "5000", "--min-trade", "100"),
        ],
    )
    # New total 15,000: stocks should hold 9,000 (has 7,000), bonds 6,000 (has 3,000);
    # 5,000 fills both: 8 VTI, and 37.5 BND, so 37 whole shares and 40 left.
    assert plan_lines(result.stdout) == [
        "Plan (buy_only): buy 4,960.00, sell 0.00, new cash 5,000.00; cash left 40.00",
        "  BUY  stocks                 2,000.00   70.00% -> 60.00%",
        "         buy 8 VTI @ 250.00 = 2,000.00",
        "  BUY  bonds                  2,960.00   30.00% -> 39.73%",
        "         buy 37 BND @ 80.00 = 2,960.00",
    ]


def test_check_sell_only_raises_cash(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", SHARES_CSV)
    result = runner.invoke(
        app,
        [
            *("check", "-H", str(path), "--targets", SIXTY_FORTY),
            *("--mode", "sell_only", "--raise-cash", "2000", "-f", "json"),
        ],
    )
    plan = json.loads(result.stdout)["plan"]
    assert (plan["mode"], plan["sold"], plan["leftover"]) == ("sell_only", 2000.0, 2000.0)


def test_check_min_trade_turns_a_small_breach_into_in_band(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,9350\nUSD,cash,650\n")
    args = ["check", "-H", str(path), "--targets", '{"stocks": 95, "cash": 5}']
    args += ["--relative-threshold", "0.25"]
    assert runner.invoke(app, args).exit_code == 1
    result = runner.invoke(app, [*args, "--min-trade", "200"])
    assert result.exit_code == 0, result.output
    assert "ok (below min trade; relative)" in result.stdout
    assert "SELL USD" in result.stdout and "150.00" in result.stdout  # listed as left out


def test_check_uses_a_configured_portfolios_targets_and_plan(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "h.csv", SHARES_CSV)
    config = write(
        tmp_path / "monitor.toml",
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "h.csv" }\n'
        '[portfolios.targets]\nstocks = 60\nbonds = { target = 40, buy = "BND" }\n'
        '[portfolios.plan]\nmode = "buy_only"\nmin_trade = 100\n',
    )
    result = runner.invoke(
        app, ["-c", str(config), "check", "-H", str(path), "-p", "family", "--cash", "1000"]
    )
    assert plan_lines(result.stdout)[0].startswith("Plan (buy_only): buy 960.00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "sell_all"], "Invalid value for '--mode'"),
        (["--raise-cash", "10"], "--raise-cash: only the sell_only mode raises cash"),
        (["--mode", "sell_only", "--cash", "10"], "--cash: sell_only invests no new cash"),
        (["--min-trade", "-1"], "--min-trade: must not be negative"),
        (["--portfolio", "nope"], "unknown portfolio 'nope'"),
        (["--targets", '{"a": {"target": 100, "max": 90}}'], "--targets.a.max: max 90"),
    ],
)
def test_check_bad_plan_options_exit_2(
    runner: CliRunner, seed_holdings_file: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["check", "-H", str(seed_holdings_file), *args])
    assert result.exit_code == 2
    assert message in result.stderr


TREE_TARGETS = json.dumps(TREE)


def test_check_reports_a_two_level_tree_with_sub_classes_indented(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "h.csv",
        "symbol,asset_class,value\nVTI,stocks/us,5000\nVXUS,stocks/intl,1000\nBND,bonds,4000\n",
    )
    result = runner.invoke(app, ["check", "-H", str(path), "--targets", TREE_TARGETS])
    table = [line.split() for line in result.stdout.splitlines()[4:8]]
    assert [(row[0], row[7]) for row in table] == [
        ("stocks", "+0.00"),
        ("stocks/us", "+8.00"),
        ("stocks/intl", "-8.00"),
        ("bonds", "+0.00"),
    ]
    assert "   stocks/us " in result.stdout  # indented under stocks
    assert "Total drift 16.00 pp" in result.stdout
    assert plan_lines(result.stdout)[1:] == [
        "  SELL stocks/us                800.00   50.00% -> 42.00%",
        "         sell VTI for 800.00",
        "  BUY  stocks/intl              800.00   10.00% -> 18.00%",
        "         buy VXUS for 800.00",
    ]


def test_check_splits_a_fund_by_the_weights_in_its_csv_cell(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "h.csv",
        "symbol,asset_class,value\nBAL,stocks:60;bonds:40,10000\nVTI,stocks,4000\nUSD,cash,1000\n",
    )
    result = runner.invoke(
        app,
        [
            "check",
            "-H",
            str(path),
            "--targets",
            '{"stocks": 50, "bonds": 30, "cash": 20}',
            "-f",
            "json",
        ],
    )
    body = json.loads(result.stdout)
    assert [(c["asset_class"], c["current_value"]) for c in body["asset_classes"]] == [
        ("stocks", 10000.0),
        ("bonds", 4000.0),
        ("cash", 1000.0),
    ]
    symbols = {t["symbol"] for a in body["plan"]["actions"] for t in a["trades"]}
    assert symbols == {"VTI", "USD"}  # never BAL


def test_check_rebalances_to_the_band_edge_and_shows_both_amounts(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,75000\nBND,bonds,25000\n"
    )
    result = runner.invoke(
        app,
        [
            *("check", "-H", str(path), "--targets", '{"stocks": 60, "bonds": 40}'),
            *("--relative-threshold", "0.2", "--drift-rule", "hybrid"),
            *("--rebalance-to", "band_edge", "--tolerance", "0.5"),
        ],
    )
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    start = lines.index("To the band edge (tolerance 0.50 of the way from target to the edge):")
    assert lines[start + 1 : start + 3] == [
        "  SELL stocks                 9,000.00   (to target 15,000.00)",
        "  BUY  bonds                 11,000.00   (to target 15,000.00)",
    ]
    assert "(band max(20% of target, 1.00 pp))" in result.stdout


def test_tolerance_is_measured_from_target_in_the_help_the_docs_and_the_plan(
    runner: CliRunner, tmp_path: Path
) -> None:
    meaning = (
        "where a band_edge trade stops, as a share of the way from the target to the edge of "
        "the band: 0 is the target, 1 the edge"
    )
    shown = " ".join(runner.invoke(app, ["check", "--help"]).stdout.split())
    assert meaning in shown
    docs = Path(__file__).parents[2] / "docs"
    for page in ("target-trees.md", "settings.md"):
        assert meaning in " ".join((docs / page).read_text().split()), page
    # The example of docs/target-trees.md: stocks at 75% of a 60% target, band 48-72 (12 pp
    # each side). Tolerance 0.25 stops a quarter of the way from 60 to 72: at 63%, selling
    # 12,000 (from the edge inwards, a quarter of the band's 24 pp width, it would stop at
    # 66%: 9,000).
    path = write(
        tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,75000\nBND,bonds,25000\n"
    )
    result = runner.invoke(
        app,
        [
            *("check", "-H", str(path), "--targets", '{"stocks": 60, "bonds": 40}'),
            *("--relative-threshold", "0.2", "--drift-rule", "hybrid"),
            *("--rebalance-to", "band_edge", "--tolerance", "0.25"),
        ],
    )
    assert "  SELL stocks                12,000.00   (to target 15,000.00)" in result.stdout


def test_check_takes_the_hybrid_floor(runner: CliRunner, tmp_path: Path) -> None:
    # Cash at 5% of target 2%: inside max(20% x 2, 5) = 5 pp, outside the default 1 pp floor.
    path = write(tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,95\nUSD,cash,5\n")
    args = [
        *("check", "-H", str(path), "--targets", '{"stocks": 98, "cash": 2}'),
        *("--relative-threshold", "0.2", "--drift-rule", "hybrid"),
    ]
    assert runner.invoke(app, args).exit_code == 1
    result = runner.invoke(app, [*args, "--hybrid-floor", "5"])
    assert result.exit_code == 0, result.output
    assert "(band max(20% of target, 5.00 pp))" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--drift-rule", "hybrid"], "--drift-rule: the hybrid rule"),
        (["--tolerance", "2"], "--tolerance: a share of the band, from 0 to 1, got 2"),
        (["--rebalance-to", "edge"], "Invalid value for '--rebalance-to'"),
        (
            ["--targets", '{"a": {"target": 100, "children": {"b": 60}}}'],
            "--targets.a.children: children must sum to 100",
        ),
    ],
)
def test_check_bad_tree_and_band_options_exit_2(
    runner: CliRunner, seed_holdings_file: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["check", "-H", str(seed_holdings_file), *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_check_a_value_of_10_to_the_27_exits_2_naming_the_field(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "h.json", '{"VTI": {"asset_class": "stocks", "value": 1e27}}')
    result = runner.invoke(app, ["check", "--holdings", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "holdings.VTI.value: 1e+27 is too large: "
        "numbers must be below 10^18 (1,000,000,000,000,000,000)"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_a_csv_summing_past_10_to_the_18_exits_2_naming_holdings(
    runner: CliRunner, tmp_path: Path
) -> None:
    rows = "symbol,asset_class,value\nVTI,stocks,9e17\nVXUS,stocks,9e17\n"
    result = runner.invoke(app, ["check", "--holdings", str(write(tmp_path / "h.csv", rows))])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --holdings: the holdings' sum 1.8e+18 is too large: "
        "numbers must be below 10^18 (1,000,000,000,000,000,000)"
    )


ACCOUNTS_CSV = "account,symbol,asset_class,value\n" + "".join(
    f"{name},VTI,stocks,60\n{name},BND,bonds,{40 + n}\n"
    for n, name in enumerate(["ira", "roth", "kid-1", "kid-2", "kid-3", "trust", "joint"])
)


def test_check_a_file_of_several_accounts_without_account_exits_2_listing_a_few(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "accounts.csv", ACCOUNTS_CSV)
    result = runner.invoke(app, ["check", "-H", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: --account: {path} holds 7 accounts (ira, joint, kid-1, kid-2, kid-3 and 2 "
        "more); choose one with --account"
    )


def test_check_with_account_reports_that_account_alone(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "accounts.csv", ACCOUNTS_CSV)
    result = runner.invoke(
        app,
        ["check", "-H", str(path), "--account", "roth", "--targets", '{"stocks": 60, "bonds": 40}'],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Portfolio value 101.00 ")


def test_check_for_an_account_the_file_lacks_lists_the_accounts_it_has(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "accounts.csv", ACCOUNTS_CSV)
    result = runner.invoke(app, ["check", "-H", str(path), "--account", "ira2"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: --account: {path} has no account 'ira2'; its accounts: ira, joint, kid-1, "
        "kid-2, kid-3 and 2 more"
    )


def test_check_for_an_account_in_a_file_without_accounts_says_it_has_no_account_column(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,60\n")
    result = runner.invoke(app, ["check", "-H", str(path), "--account", "ira"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: --account: {path} has no account column; leave out --account ira"
    )


def test_check_of_a_file_of_one_account_needs_no_account_option(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "h.csv", "account,symbol,asset_class,value\nira,VTI,stocks,60\n")
    result = runner.invoke(app, ["check", "-H", str(path), "--targets", '{"stocks": 100}'])
    assert result.exit_code == 0, result.output


def test_check_help_names_every_holdings_format(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", "--help"])
    text = " ".join(result.stdout.split())  # as wrapped to the terminal's width
    assert (
        "Holdings file: .json (the seed's shape), .yaml / .yml, .csv (or a broker's export), "
        ".ofx / .qfx or .beancount."
    ) in text


def test_check_json_writes_money_past_a_floats_precision_exactly(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path / "h.csv", "symbol,asset_class,value\nVTI,stocks,1234567890123456.78\n")
    result = runner.invoke(app, ["check", "--holdings", str(path), "--format", "json"])
    body = json.loads(result.stdout, parse_float=Decimal)
    assert body["portfolio_value"] == Decimal("1234567890123456.78")
    assert body["asset_classes"][0]["target_value"] == Decimal("617283945061728.39")
