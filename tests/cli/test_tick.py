"""``allocation-monitor tick``: one tick of every (or one) portfolio now, as the daemon would;
and two of them racing on one PostgreSQL database, which must not tick anything twice."""

from __future__ import annotations

import io
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.store.models import Snapshot, Tick
from tests.fixtures.daemon import clean_environment, cli_command

GOOD = "symbol,asset_class,value\nVTI,stocks,60\nBND,bonds,40\n"
# A slot's claim exists: ticked, or held right now by a tick still running elsewhere.
SKIPPED = "already ticked or being ticked by another process, skipped"
ACCOUNTS = 25


def portfolio(portfolio_id: str, path: str) -> str:
    return (
        f'[[portfolios]]\nid = "{portfolio_id}"\nschedule = {{ every = "1h" }}\n'
        f'source = {{ kind = "csv", path = "{path}" }}\n'
    )


def write_config(folder: Path, database_url: str, portfolios: dict[str, str]) -> Path:
    """One CSV per portfolio with the given content, and a config naming them all."""
    text = f'[database]\nurl = "{database_url}"\n[targets]\nstocks = 60\nbonds = 40\n'
    for portfolio_id, content in portfolios.items():
        (folder / f"{portfolio_id}.csv").write_text(content)
        text += portfolio(portfolio_id, f"{portfolio_id}.csv")
    path = folder / "monitor.toml"
    path.write_text(text)
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


def test_tick_runs_every_portfolio_once_and_says_how_each_went(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, sqlite_url, {"family": GOOD, "trust": GOOD})
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(" @ ")[0] for line in lines] == ["tick family", "tick trust"]
    assert all(": ok, value 100.00, worst drift 0.00 pp, in band, " in line for line in lines)


def test_a_second_tick_in_the_same_slot_is_skipped(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, sqlite_url, {"family": GOOD})
    runner.invoke(app, ["--config", str(config), "tick"])
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("family: slot ")
    assert result.stdout.rstrip().endswith(SKIPPED)


def test_tick_of_one_portfolio_leaves_the_others(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, sqlite_url, {"family": GOOD, "trust": GOOD})
    result = runner.invoke(app, ["--config", str(config), "tick", "--portfolio", "trust"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("tick trust @ ")
    assert len(result.stdout.splitlines()) == 1


def test_an_unknown_portfolio_is_exit_2_with_the_known_ones(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, sqlite_url, {"family": GOOD})
    result = runner.invoke(app, ["--config", str(config), "tick", "-p", "famly"])
    assert result.exit_code == 2
    assert "unknown portfolio 'famly'; known portfolios: family" in result.stderr


def test_a_failed_tick_exits_1_and_the_others_still_tick(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(
        tmp_path, sqlite_url, {"broken": "symbol,asset_class,value\nVTI,stocks,x\n", "ok": GOOD}
    )
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 1
    broken, ok = result.stdout.splitlines()
    assert ": failed, error: csv " in broken
    assert "broken.csv: line 2: value: expected a number, got 'x', " in broken
    assert ": ok, " in ok


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_tick_processes_at_once_make_one_snapshot_per_portfolio_and_slot(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    portfolios = {f"p{n:02d}": GOOD for n in range(12)}
    rows = "".join(
        f"acct-{n},VTI,stocks,{60 + n}\nacct-{n},BND,bonds,40\n" for n in range(ACCOUNTS)
    )
    portfolios["clients"] = "account,symbol,asset_class,value\n" + rows
    config = write_config(tmp_path, database_url, portfolios)
    processes = [
        subprocess.Popen(
            cli_command(config, "tick", "--no-send"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=clean_environment(),
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs

    with engine.connect() as connection:
        snapshots = connection.execute(select(Snapshot.portfolio_id, Tick.scheduled_at).join(Tick))
        per_slot = Counter((portfolio_id, at) for portfolio_id, at in snapshots)
        ticks = connection.execute(select(Tick.portfolio_id, Tick.status)).all()
    assert set(per_slot.values()) == {1}
    ticked = {portfolio_id for portfolio_id, _ in per_slot}
    accounts = {f"clients/acct-{n}" for n in range(ACCOUNTS)}
    assert ticked == (set(portfolios) - {"clients"}) | accounts
    assert {status for _, status in ticks} == {"ok"}
    # Every entry was ticked by one process and skipped by the other (unless the hour
    # turned between them, when both tick, each its own slot).
    lines = [line for output in outputs for line in output.splitlines()]
    ran = sum(line.startswith("tick ") for line in lines)
    skipped = sum(line.endswith(SKIPPED) for line in lines)
    assert ran + skipped == 2 * len(portfolios)
    assert ran == len(ticks)


def test_tick_shows_a_progress_bar_on_a_terminal(
    runner: CliRunner, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Console(file=io.StringIO(), force_terminal=True, width=100)
    monkeypatch.setattr("monitor.cli.run.out", terminal)
    config = write_config(tmp_path, sqlite_url, {"family": GOOD})
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 0, result.output
    shown = terminal.file.getvalue()  # type: ignore[attr-defined]
    assert "ticking family" in shown
    assert "tick family @ " in shown


def test_a_tick_of_a_holding_worth_10_to_the_19_fails_naming_the_line(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    huge = "symbol,asset_class,value\nVTI,stocks,10000000000000000000\nBND,bonds,40\n"
    config = write_config(tmp_path, database_url, {"huge": huge})
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("tick huge @ ")
    assert (
        f": failed, error: csv {tmp_path / 'huge.csv'}: line 2: value: 1e+19 is too large: "
        "numbers must be below 10^18 (1,000,000,000,000,000,000), "
    ) in result.stdout


def test_a_tick_of_holdings_summing_past_10_to_the_18_fails_naming_them(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    huge = "symbol,asset_class,value\nVTI,stocks,9e17\nBND,bonds,9e17\n"
    config = write_config(tmp_path, database_url, {"huge": huge})
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 1, result.output
    assert (
        ": failed, error: huge: holdings: the holdings' sum 1.8e+18 is too large: "
        "numbers must be below 10^18 (1,000,000,000,000,000,000), "
    ) in result.stdout


def with_notify(config: Path, portfolio_id: str, notify: str) -> Path:
    """The config with ``notify = {notify}`` added to the entry ``portfolio_id``."""
    text = config.read_text()
    header = f'id = "{portfolio_id}"\n'
    config.write_text(text.replace(header, f"{header}notify = {notify}\n"))
    return config


def test_tick_refuses_to_start_naming_a_missing_templates_folder(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = with_notify(
        write_config(tmp_path, sqlite_url, {"family": GOOD}),
        "family",
        '{ urls = ["json://127.0.0.1:9/hook"], templates_dir = "no-such-folder" }',
    )
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: configuration error in {config}: portfolios[family].notify: "
        f"templates_dir {tmp_path / 'no-such-folder'} is not a folder"
    ]
    assert result.stdout == ""
    assert not (tmp_path / "monitor.db").exists()  # refused before opening the database


def test_tick_names_every_problem_of_the_config_on_its_own_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = with_notify(
        write_config(tmp_path, "mysql://db/monitor", {"family": GOOD}),
        "family",
        '{ apprise_config = "apprise.yml" }',
    )
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: 2 configuration errors in {config}:",
        "  - database.url: unsupported database 'mysql'; use sqlite or postgresql",
        f"  - portfolios[family].notify: {tmp_path / 'apprise.yml'}: Apprise config file not found",
    ]
    assert "Traceback" not in result.output


def test_tick_logs_a_warning_of_the_config_and_ticks_all_the_same(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, sqlite_url, {"family": GOOD, "gone": GOOD})
    (tmp_path / "gone.csv").unlink()
    result = runner.invoke(app, ["--config", str(config), "tick"])
    assert result.exit_code == 1  # the tick of "gone" failed, the other ran
    assert (
        f"WARNING monitor.runtime.preflight: portfolios[gone].source.path: file not found: "
        f"{tmp_path / 'gone.csv'}"
    ) in result.stderr
    family, gone = result.stdout.splitlines()
    assert ": ok, " in family
    assert ": failed, error: csv " in gone


def test_tick_of_one_portfolio_is_not_stopped_by_another_entrys_problem(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    config = with_notify(
        write_config(tmp_path, sqlite_url, {"family": GOOD, "trust": GOOD}),
        "trust",
        '{ urls = ["json://127.0.0.1:9/hook"], templates_dir = "no-such-folder" }',
    )
    result = runner.invoke(app, ["--config", str(config), "tick", "--portfolio", "family"])
    assert result.exit_code == 0, result.output
    assert ": ok, " in result.stdout
    assert runner.invoke(app, ["--config", str(config), "tick"]).exit_code == 2


def test_an_apprise_config_line_apprise_skips_is_a_warning_not_a_refusal(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    (tmp_path / "apprise.txt").write_text("json://127.0.0.1:9/hook\nfoobar://abc/def\n")
    config = with_notify(
        write_config(tmp_path, sqlite_url, {"family": GOOD}),
        "family",
        '{ apprise_config = "apprise.txt" }',
    )
    result = runner.invoke(app, ["--config", str(config), "tick", "--no-send"])
    assert result.exit_code == 0, result.output
    assert "WARNING monitor.runtime.preflight: portfolios[family].notify: " in result.stderr
    assert "Unparseable URL foobar://" in result.stderr
    assert ": ok, " in result.stdout
