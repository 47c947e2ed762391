"""The command kind: real Python scripts, run with this interpreter, printing JSON."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.errors import ConfigError, SourceError
from monitor.sources.command import CommandSource
from tests.fixtures.holdings import SEED_HOLDINGS
from tests.fixtures.sources import LoadSource, failure, rows

TOKEN = "s3cret-token-value"
PRINT_SEED = f"print({json.dumps(json.dumps(SEED_HOLDINGS))})"


def script(tmp_path: Path, body: str, name: str = "export.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def command(path: Path, **options: object) -> CommandSource:
    return CommandSource.model_validate({"argv": [sys.executable, str(path)], **options})


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent (PID 1 in a container may never reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_json_printed_on_stdout_gives_the_holdings(tmp_path: Path) -> None:
    source = command(script(tmp_path, PRINT_SEED))
    assert [h.symbol for h in source.fetch()] == list(SEED_HOLDINGS)


def test_rows_with_accounts_give_each_holding_its_account(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import json
        print(json.dumps([
            {"account": "a1", "symbol": "AAPL", "asset_class": "stocks", "value": 5},
            {"account": "a2", "symbol": "AAPL", "asset_class": "stocks", "value": 7},
        ]))
        """,
    )
    assert rows(command(path).fetch()) == [
        ("a1", "AAPL", "stocks", Decimal(5)),
        ("a2", "AAPL", "stocks", Decimal(7)),
    ]


def test_env_additions_reach_the_program(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import json, os
        print(json.dumps({"AAPL": {"asset_class": "stocks", "value": os.environ["AMOUNT"]}}))
        """,
    )
    assert command(path, env={"AMOUNT": "12.5"}).fetch()[0].value == Decimal("12.5")


def test_env_values_never_appear_in_describe_or_errors(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import os, sys
        sys.exit(f"login failed with token {os.environ['API_TOKEN']}")
        """,
    )
    source = command(path, env={"API_TOKEN": TOKEN})
    with pytest.raises(SourceError) as caught:
        source.fetch()
    message = str(caught.value)
    assert "login failed with token ****" in message
    assert TOKEN not in message + source.describe() + repr(source)


def test_describe_shows_the_command_line() -> None:
    source = CommandSource(argv=["export-holdings", "--format", "json", "my file"])
    assert source.describe() == "command export-holdings --format json 'my file'"


def test_a_non_zero_exit_gives_the_status_and_the_last_lines_of_stderr(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import sys
        for n in range(1, 11):
            print(f"problem {n}", file=sys.stderr)
        sys.exit(3)
        """,
    )
    assert failure(command(path)) == (
        "exited with status 3; stderr ends with:\n"
        "    problem 6\n    problem 7\n    problem 8\n    problem 9\n    problem 10"
    )


def test_a_failure_without_stderr_says_so(tmp_path: Path) -> None:
    path = script(tmp_path, "raise SystemExit(2)")
    assert failure(command(path)) == "exited with status 2 and printed nothing on stderr"


def test_a_program_killed_by_a_signal_names_the_signal(tmp_path: Path) -> None:
    path = script(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    assert failure(command(path)) == "was killed by signal SIGTERM and printed nothing on stderr"


def test_a_program_that_overruns_its_timeout_is_killed_and_says_so(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import os, pathlib, time
        pathlib.Path("pid").write_text(str(os.getpid()))
        time.sleep(30)
        """,
    )
    started = time.monotonic()
    assert failure(command(path, timeout=1, cwd=tmp_path)) == (
        "timed out after 1s; the program was killed"
    )
    assert time.monotonic() - started < 5
    assert gone_within(int((tmp_path / "pid").read_text()), 5)


def test_a_timeout_also_kills_the_programs_it_started(tmp_path: Path) -> None:
    path = script(
        tmp_path,
        """
        import pathlib, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        pathlib.Path("child").write_text(str(child.pid))
        time.sleep(30)
        """,
    )
    failure(command(path, timeout=1, cwd=tmp_path))
    assert gone_within(int((tmp_path / "child").read_text()), 5)


def test_invalid_json_on_stdout_is_reported(tmp_path: Path) -> None:
    path = script(tmp_path, "print('AAPL stocks 100')")
    assert failure(command(path)) == "invalid JSON at line 1, column 1: Expecting value"


def test_nothing_on_stdout_is_reported(tmp_path: Path) -> None:
    path = script(tmp_path, "pass")
    assert failure(command(path)) == "printed nothing on stdout; it should print holdings as JSON"


def test_stdout_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = script(tmp_path, "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe{}')\n")
    assert failure(command(path)).startswith("stdout is not UTF-8 text")


def test_a_value_of_the_wrong_type_names_its_field(tmp_path: Path) -> None:
    path = script(tmp_path, """print('{"AAPL": {"asset_class": "stocks", "value": "lots"}}')""")
    assert failure(command(path)) == "holdings.AAPL.value: expected a number, got 'lots'"


def test_a_duplicate_symbol_is_rejected(tmp_path: Path) -> None:
    row = {"symbol": "AAPL", "asset_class": "stocks", "value": 1}
    path = script(tmp_path, f"print({json.dumps(json.dumps([row, row]))})")
    assert failure(command(path)) == "holdings[1]: symbol 'AAPL' already appears at holdings[0]"


def test_an_empty_set_is_rejected(tmp_path: Path) -> None:
    path = script(tmp_path, "print('{}')")
    assert failure(command(path)) == "no holdings: the source returned an empty set"


def test_a_missing_program_is_reported(tmp_path: Path) -> None:
    source = CommandSource(argv=[str(tmp_path / "no-such-program")])
    assert failure(source) == f"program not found: {tmp_path / 'no-such-program'}"


def test_a_missing_working_folder_is_reported(tmp_path: Path) -> None:
    source = command(script(tmp_path, PRINT_SEED), cwd=tmp_path / "gone")
    assert failure(source) == f"working folder not found: {tmp_path / 'gone'}"


def test_the_program_runs_in_the_config_folder_by_default(
    tmp_path: Path, configured_source: LoadSource
) -> None:
    script(tmp_path, PRINT_SEED)
    source = configured_source(
        f'{{ kind = "command", argv = [{json.dumps(sys.executable)}, "export.py"] }}'
    )
    assert len(source.fetch()) == len(SEED_HOLDINGS)


def test_cwd_is_relative_to_the_config_folder(
    tmp_path: Path, configured_source: LoadSource
) -> None:
    (tmp_path / "scripts").mkdir()
    script(tmp_path / "scripts", PRINT_SEED)
    argv = f'[{json.dumps(sys.executable)}, "export.py"]'
    source = configured_source(f'{{ kind = "command", argv = {argv}, cwd = "scripts" }}')
    assert len(source.fetch()) == len(SEED_HOLDINGS)


def test_an_empty_argv_is_a_config_error(configured_source: LoadSource) -> None:
    with pytest.raises(ConfigError) as caught:
        configured_source('{ kind = "command", argv = [] }')
    assert caught.value.problems[0].startswith(
        "portfolios[p].source.argv: List should have at least 1"
    )
