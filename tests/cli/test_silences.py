"""``alerts silence``, ``silences``, ``expire``, ``ack`` and ``suppressed`` on a real store."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.runtime.scheduler import Daemon
from tests.fixtures.cli import run
from tests.fixtures.operations import DRIFTED_CSV, WriteConfig

DaemonFor = Callable[..., Daemon]


@pytest.fixture
def ticked(
    write_config: WriteConfig,
    daemon_for: DaemonFor,
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, notify_url="json://127.0.0.1:9/")
    daemon_for(settings).tick(settings.portfolios[0])
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "allocation-monitor.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")


def silence(*extra: str) -> dict[str, object]:
    result = run(
        "alerts", "silence", "-p", "family", "--for", "7d", "-m", "waiting for the bonus",
        "-f", "json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    made: dict[str, object] = json.loads(result.stdout)
    return made


def test_a_silence_is_made_as_the_user_and_listed(ticked: None) -> None:
    made = silence("--class", "stocks")
    assert (made["portfolio"], made["asset_class"], made["all"]) == ("family", "stocks", False)
    assert made["created_by"] == getpass.getuser()
    table = run("alerts", "silences")
    assert table.exit_code == 0, table.output
    assert "waiting for the bonus" in table.stdout
    assert "reminders" in table.stdout and "active" in table.stdout


def test_a_silence_says_until_when_in_words(ticked: None) -> None:
    result = run("alerts", "silence", "-p", "clients/*", "--for", "2w", "-m", "x", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Silence 1: clients/* quiet until ")
    assert "(every notice but resolved)" in result.stdout


def test_expiring_ends_a_silence_and_twice_is_an_error(ticked: None) -> None:
    made = silence()
    ended = run("alerts", "expire", str(made["id"]))
    assert ended.exit_code == 0, ended.output
    assert "has ended" in ended.stdout
    assert run("alerts", "silences").stdout.strip() == "No silences."
    listed = json.loads(run("alerts", "silences", "--ended", "-f", "json").stdout)
    assert [(s["status"], s["expired_by"]) for s in listed] == [("expired", getpass.getuser())]
    again = run("alerts", "expire", str(made["id"]))
    assert again.exit_code == 2
    assert "has ended already" in again.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--for", "7"), "for: 7 needs a unit"),
        (("--for", "soon"), "for: 'soon' is not a duration"),
        (("-m", " "), "comment: say why"),
        (("-p", "famly"), "unknown portfolio 'famly'"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(
    ticked: None, args: tuple[str, ...], words: str
) -> None:
    base = {"-p": "family", "--for": "7d", "-m": "because"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = run("alerts", "silence", *[part for pair in base.items() for part in pair])
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.output


def test_an_alert_is_acknowledged_and_an_unknown_one_is_an_error(ticked: None) -> None:
    result = run("alerts", "ack", "1")
    assert result.exit_code == 0, result.output
    assert "Alert 1 acknowledged: no reminders for family" in result.stdout
    missing = run("alerts", "ack", "9")
    assert missing.exit_code == 2
    assert "no notification with id 9" in missing.stderr


def test_nothing_held_back_yet_says_so(ticked: None) -> None:
    result = run("alerts", "suppressed", "-p", "family")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Nothing was held back."


def test_acknowledgements_are_listed_with_the_drift_they_hold_for(ticked: None) -> None:
    assert run("alerts", "acks").stdout.strip() == "No acknowledgements."
    assert run("alerts", "ack", "1").exit_code == 0
    table = run("alerts", "acks")
    assert table.exit_code == 0, table.output
    assert "bonds, stocks, worst 10.00 pp" in table.stdout
    [ack] = json.loads(run("alerts", "acks", "-f", "json").stdout)
    assert (ack["portfolio_id"], ack["alert_id"], ack["notified_worst_drift"]) == ("family", 1, 10)
