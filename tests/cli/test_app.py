"""What every command shares: ``--config`` and ``--debug``, before or after its name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from monitor.cli import app, check

IN_BAND_FOR_TWO_THIRDS = "[targets]\nstocks = 66.67\nbonds = 33.33\n"
HOLDINGS = "symbol,asset_class,value\nVTI,stocks,100\nBND,bonds,50\n"


def command_paths(group: TyperGroup, above: tuple[str, ...] = ()) -> Iterator[list[str]]:
    for name, command in group.commands.items():
        yield [*above, name]
        if isinstance(command, TyperGroup):
            yield from command_paths(command, (*above, name))


EVERY_COMMAND = list(command_paths(typer.main.get_command(app)))  # type: ignore[arg-type]


def summary_of(runner: CliRunner, *args: str) -> str:
    """The config file ``config validate`` says it read."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout.split(":")[1].strip()


@pytest.fixture
def holdings(tmp_path: Path) -> Path:
    path = tmp_path / "h.csv"
    path.write_text(HOLDINGS)
    return path


def test_a_config_after_the_command_is_the_one_read(
    runner: CliRunner, tmp_path: Path, holdings: Path
) -> None:
    config = tmp_path / "my.toml"
    config.write_text(IN_BAND_FOR_TWO_THIRDS)
    # The default targets (stocks 50, ...) would make this a rebalance, exit 1.
    result = runner.invoke(app, ["check", "-H", str(holdings), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "in band" in result.stdout


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=" ".join)
def test_every_command_takes_config_and_debug_after_its_name_and_says_so_in_its_help(
    runner: CliRunner, path: list[str]
) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "-c, --config" in result.stdout
    assert "--debug" in result.stdout


def test_given_before_and_after_the_command_the_config_after_it_wins(
    runner: CliRunner, tmp_path: Path
) -> None:
    before, after = tmp_path / "before.toml", tmp_path / "after.toml"
    before.write_text("")
    after.write_text("")
    assert summary_of(runner, "-c", str(before), "config", "validate", "-c", str(after)) == str(
        after
    )
    assert summary_of(runner, "-c", str(before), "config", "validate") == str(before)


def test_a_config_after_the_command_wins_over_monitor_config(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env, given = tmp_path / "env.toml", tmp_path / "given.toml"
    from_env.write_text("")
    given.write_text("")
    monkeypatch.setenv("MONITOR_CONFIG", str(from_env))
    assert summary_of(runner, "config", "validate") == str(from_env)
    assert summary_of(runner, "config", "validate", "--config", str(given)) == str(given)


def test_a_config_between_a_group_and_its_command_is_read(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("[database]\nurl = 5\n")
    result = runner.invoke(app, ["alerts", "--config", str(config), "show", "1"])
    assert result.exit_code == 2
    assert f"configuration error in {config}" in result.stderr


def crash(*args: object, **options: object) -> None:
    raise RuntimeError("a bug")


def test_debug_after_the_command_lets_an_internal_error_s_traceback_through(
    runner: CliRunner, holdings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check, "compute_allocation", crash)
    quiet = runner.invoke(app, ["check", "-H", str(holdings)])
    assert quiet.exit_code == 70
    assert "run with --debug for the traceback" in quiet.stderr
    loud = runner.invoke(app, ["check", "-H", str(holdings), "--debug"])
    assert isinstance(loud.exception, RuntimeError)
