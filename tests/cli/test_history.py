"""``history``, ``history prune``, ``attribution`` and ``db`` against real databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from monitor.cli import app
from monitor.store.engine import make_engine
from monitor.store.migrate import head_revision, upgrade
from tests.fixtures.snapshots import StoredHistory


@pytest.fixture
def in_paris(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_TIMEZONE", "Europe/Paris")


@pytest.fixture
def history_db(
    database_url: str,
    stored_history: StoredHistory,
    monkeypatch: pytest.MonkeyPatch,
    in_paris: None,
) -> str:
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    return database_url


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args))


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr


def test_history_table_shows_times_in_the_configured_timezone(
    runner: CliRunner, history_db: str
) -> None:
    result = run(runner, "history", "--portfolio", "family")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines() if line.strip().startswith("2024")]
    assert lines == [
        ["2024-01-01", "13:00", "CET", "35,000.00", "5.71", "no", "-2.86", "+2.86"],
        ["2024-02-01", "13:00", "CET", "37,800.00", "1.69", "no", "+0.85", "-0.85"],
        ["2024-03-01", "13:00", "CET", "45,800.00", "18.86", "yes", "+5.50", "-9.43", "+3.93"],
    ]


def test_history_csv_has_one_row_per_snapshot(runner: CliRunner, history_db: str) -> None:
    result = run(runner, "history", "-p", "family", "--since", "2024-02-01", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "taken_at,portfolio_value,total_drift,needs_rebalancing,drift_stocks,drift_bonds,drift_commodities",
        "2024-02-01T13:00:00+01:00,37800.00,1.69,false,0.85,-0.85,",
        "2024-03-01T13:00:00+01:00,45800.00,18.86,true,5.50,-9.43,3.93",
    ]


def test_history_json_of_one_class(runner: CliRunner, history_db: str) -> None:
    result = run(
        runner, "history", "-p", "family", "--class", "Bonds", "--until", "2024-02-01", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "taken_at": "2024-01-01T13:00:00+01:00",
            "portfolio_value": 35000.0,
            "total_drift": 5.71,
            "needs_rebalancing": False,
            "drifts": {"bonds": 2.86},
        },
        {
            "taken_at": "2024-02-01T13:00:00+01:00",
            "portfolio_value": 37800.0,
            "total_drift": 1.69,
            "needs_rebalancing": False,
            "drifts": {"bonds": -0.85},
        },
    ]


def test_history_of_a_configured_portfolio_not_yet_ticked_is_empty(
    runner: CliRunner, history_db: str, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[[portfolios]]\nid = "newcomer"\nsource = { kind = "csv", path = "h.csv" }\n'
    )
    result = run(runner, "--config", str(config), "history", "-p", "newcomer")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No snapshots of newcomer in that period."


def test_history_of_an_unknown_portfolio_lists_the_known_ones(
    runner: CliRunner, history_db: str
) -> None:
    result = run(runner, "history", "--portfolio", "famly")
    assert_one_line_error(
        result, "unknown portfolio 'famly'; known portfolios: clients, clients/acct-17, family"
    )


def test_history_with_a_bad_date_names_the_option(runner: CliRunner, history_db: str) -> None:
    result = run(runner, "history", "-p", "family", "--since", "yesterday")
    assert_one_line_error(result, "--since: 'yesterday' is not a date or a time")


def test_history_of_a_class_never_held_names_the_option(runner: CliRunner, history_db: str) -> None:
    result = run(runner, "history", "-p", "family", "--class", "crypto")
    assert_one_line_error(
        result,
        "--class: no asset class 'crypto' in this history; it has stocks, bonds, commodities",
    )


def test_history_without_a_portfolio_asks_for_one(runner: CliRunner, history_db: str) -> None:
    assert_one_line_error(run(runner, "history"), "--portfolio")


def test_prune_keeps_the_latest_snapshot_and_says_what_it_did(
    runner: CliRunner, history_db: str
) -> None:
    result = run(runner, "history", "prune", "--older-than", "1d")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "Pruned 2 snapshot(s), 0 tick(s), 0 sent or dead notification(s), 0 ended "
        "silence(s), 0 acknowledgement(s) and 0 held-back notice(s) from before "
    )
    remaining = run(runner, "history", "-p", "family", "-f", "csv").stdout.splitlines()
    assert [line[:10] for line in remaining[1:]] == ["2024-03-01"]


def test_prune_with_a_bad_age_names_the_option(runner: CliRunner, history_db: str) -> None:
    result = run(runner, "history", "prune", "--older-than", "forever")
    assert_one_line_error(result, "--older-than: 'forever' is not a duration")


def test_prune_without_an_age_or_retention_setting_asks_for_one(
    runner: CliRunner, history_db: str
) -> None:
    assert_one_line_error(run(runner, "history", "prune"), "--older-than: give an age")


def test_attribution_table_splits_market_and_flow(runner: CliRunner, history_db: str) -> None:
    result = run(runner, "attribution", "--portfolio", "family")
    assert result.exit_code == 0, result.output
    assert "From 2024-01-01 13:00 CET to 2024-03-01 13:00 CET" in result.stdout
    rows = {
        line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[3:] if line.strip()
    }
    assert rows["stocks"] == ["20,000.00", "30,000.00", "10,000.00", "5,000.00", "5,000.00", "0.00"]
    assert rows["total"] == ["35,000.00", "45,800.00", "10,800.00", "4,000.00", "6,800.00", "0.00"]


def test_attribution_json_over_a_period(runner: CliRunner, history_db: str) -> None:
    result = run(runner, "attribution", "-p", "family", "--since", "2024-02-01", "-f", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    bonds = next(c for c in body["classes"] if c["asset_class"] == "bonds")
    assert (bonds["market_effect"], bonds["flow_effect"]) == (-800.0, 0.0)


def test_db_upgrade_then_current(
    runner: CliRunner, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", empty_database_url)
    before = run(runner, "db", "current")
    assert "no schema yet" in before.stdout, before.output
    upgraded = run(runner, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"upgraded from an empty database to revision {head_revision()}" in upgraded.stdout
    after = run(runner, "db", "current")
    assert f"revision {head_revision()} (latest)" in after.stdout


def test_history_on_a_database_without_schema_asks_for_db_upgrade(
    runner: CliRunner, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", empty_database_url)
    result = run(runner, "history", "-p", "family")
    assert_one_line_error(result, "run `allocation-monitor db upgrade`")


def test_db_upgrade_refuses_a_schema_newer_than_the_code(
    runner: CliRunner, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    engine.dispose()
    raw = create_engine(empty_database_url)
    with raw.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0042'"))
    raw.dispose()
    monkeypatch.setenv("MONITOR_DATABASE_URL", empty_database_url)
    result = run(runner, "db", "upgrade")
    assert_one_line_error(result, "revision '0042'", "migrated by a newer version")


def test_an_unreachable_database_is_one_line_naming_the_host(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql://monitor:s3cret@127.0.0.1:1/monitor")
    result = run(runner, "history", "-p", "family")
    assert_one_line_error(result, "cannot reach the database server at 127.0.0.1:1")
    assert "s3cret" not in result.output


def test_history_until_the_last_day_there_is_shows_every_snapshot(
    runner: CliRunner, history_db: str
) -> None:
    result = run(runner, "history", "-p", "family", "--until", "9999-12-31", "-f", "csv")
    assert result.exit_code == 0, result.output
    assert [line[:10] for line in result.stdout.splitlines()[1:]] == [
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
    ]


def test_prune_of_less_than_a_day_is_refused_naming_the_option(
    runner: CliRunner, history_db: str
) -> None:
    result = run(runner, "history", "prune", "--older-than", "12h")
    assert_one_line_error(result, "--older-than: must be at least 1d, got 12:00:00")
