"""``replay`` over a history real ticks made: the table, CSV and JSON, --compare, errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.runtime.scheduler import Daemon
from tests.fixtures.cli import run
from tests.fixtures.operations import DRIFTED_CSV, WriteConfig, tick_timeline

DaemonFor = Callable[..., Daemon]


@pytest.fixture
def history(
    write_config: WriteConfig,
    daemon_for: DaemonFor,
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The timeline's ticks: drifted (+10), escalated (+20), a reminder, resolved, drifted."""
    settings = write_config({"family": DRIFTED_CSV})
    tick_timeline(settings, daemon_for, tmp_path)
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "allocation-monitor.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")


def test_the_configured_policy_as_json(history: None) -> None:
    result = run("replay", "-p", "family", "-f", "json")
    assert result.exit_code == 0, result.output
    [only] = json.loads(result.stdout)["replays"]
    assert only["policy"]["name"] == "configured"
    assert [a["kind"] for a in only["alert_log"]] == [
        "drifted",
        "escalated",
        "reminder",
        "resolved",
        "drifted",
    ]
    # Targets 50/50 on 100: back to target trades 10 + 10, then 20 + 20 twice, then 10 + 10.
    assert [a["turnover"] for a in only["alert_log"]] == [20, 40, 40, 0, 20]
    assert (only["rebalances"], only["turnover"]) == (4, 120)
    # Out of band from hour 0 to 56: 56 hours.
    assert only["days_out_of_band"] == 2.33
    assert only["largest_drift_let_stand"] == 20  # hour 24: +20, 8 hours after the escalation


def test_options_change_the_policy_and_compare_puts_others_beside_it(history: None) -> None:
    result = run(
        "replay", "-p", "family", "--threshold", "15", "--cooldown", "7d",
        "--compare", "5pp", "--compare", "name = 'wide'\nthreshold = 25", "-f", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {row["policy"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert list(rows) == ["threshold=15, cooldown=7d", "5pp", "wide"]
    fifteen, five, wide = rows.values()
    # 15 pp: only the +20 hours are out of band; a 7-day cooldown sends no reminder.
    assert (fifteen["first_alerts"], fifteen["reminders"], fifteen["resolved"]) == ("1", "0", "1")
    assert fifteen["days_out_of_band"] == "1.67"  # hours 16 to 56
    assert five["alerts"] == "5"
    assert (wide["alerts"], wide["largest_drift_let_stand"]) == ("0", "20.00")


def test_the_table_lists_the_figures_and_the_alerts(history: None) -> None:
    result = run("replay", "-p", "family", "--since", "2026-03-03")
    assert result.exit_code == 0, result.output
    assert "Replay of family" in result.stdout
    assert "Rebalances advised" in result.stdout
    assert "Alerts it would have sent" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--threshold", "0"), "--threshold: Input should be greater than 0"),
        (("--rule", "sometimes"), "--rule: Input should be 'either' or 'hybrid'"),
        (("--cooldown", "7"), "--cooldown: Value error, 7 needs a unit"),
        (("--compare", "tight"), "compare[0]: neither a preset (5pp, 5/25, hybrid, band-edge)"),
        (("--compare", "threshhold = 3"), "compare[0].threshhold: Extra inputs"),
        (("--rule", "hybrid", "--relative-threshold", "0.25", "--since", "soon"), "--since"),
        (("-p", "nope"), "unknown portfolio 'nope'"),
    ],
)
def test_bad_options_are_one_line_naming_them(
    history: None, args: tuple[str, ...], words: str
) -> None:
    result = run("replay", "-p", "family", *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output
