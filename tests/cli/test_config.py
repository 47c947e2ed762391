"""``config validate`` (every problem by key path) and ``config show`` (secrets masked)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app

EXAMPLE = Path(__file__).parents[2] / "config" / "allocation-monitor.toml"

SECRETS = ("db-pa55word", "hook-pa55word", "src-pa55word", "query-t0ken", "Bearer hdr-t0ken")
WITH_SECRETS = """
[database]
url = "postgresql://monitor:db-pa55word@db.example.com:5432/monitor"
[notify]
urls = ["json://alice:hook-pa55word@hooks.example.com/rebalance"]
cooldown = "12h"
[[portfolios]]
id = "remote"
schedule = { every = "90s" }
source = { kind = "http", url = "https://svc.example.com/h?token=query-t0ken", headers = { Authorization = "Bearer hdr-t0ken" } }
[[portfolios]]
id = "warehouse"
source = { kind = "sql", url = "postgresql://reader:src-pa55word@wh.example.com/books", query = "select 1" }
"""  # noqa: E501


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    return path


def test_the_example_config_validates_with_a_one_line_summary(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--config", str(EXAMPLE), "config", "validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"OK: {EXAMPLE}: 1 portfolio(s) (family), "
        "database sqlite:///var/allocation-monitor.db, API on 127.0.0.1:8012"
    ]


def test_validate_reports_every_problem_with_its_key_path_and_exits_2(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = config(
        tmp_path,
        'timezone = "Mars/Olympus"\n'
        '[[portfolios]]\nid = "family"\ntreshold = 4\nsource = { kind = "csv", path = "h.csv" }\n'
        'schedule = { cron = "0 25 * * *" }\n',
    )
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[-1] == f"3 error(s) in {path}"
    assert sorted(line.split(":")[1].strip() for line in lines[:-1]) == [
        "portfolios[family].schedule",
        "portfolios[family].treshold",
        "timezone",
    ]


def test_a_missing_holdings_file_is_a_warning_that_still_validates(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = config(tmp_path, '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "h.csv" }\n')
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"warning: portfolios[p].source.path: file not found: {tmp_path / 'h.csv'}"
    )
    assert result.stdout.splitlines()[1].endswith("(1 warning(s))")


def test_strict_validation_fails_on_a_warning(runner: CliRunner, tmp_path: Path) -> None:
    path = config(
        tmp_path, '[[portfolios]]\nid = "p"\nsource = { kind = "command", argv = ["./nope"] }\n'
    )
    result = runner.invoke(app, ["--config", str(path), "config", "validate", "--strict"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"warning: portfolios[p].source.argv: program not found: {tmp_path / 'nope'}",
        f"0 error(s), 1 warning(s) in {path}",
    ]


def test_a_notification_url_apprise_cannot_use_is_an_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "h.csv").write_text("symbol,asset_class,value\nA,stocks,1\n")
    path = config(
        tmp_path,
        '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "h.csv" }\n'
        'notify = { urls = ["nosuchservice://x"] }\n',
    )
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 2
    assert result.stdout.startswith("error: portfolios[p].notify: ")


def test_a_missing_templates_folder_of_a_routed_entry_is_an_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "h.csv").write_text("symbol,asset_class,value\nA,stocks,1\n")
    path = config(
        tmp_path,
        '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "h.csv" }\n'
        'notify = { urls = ["json://127.0.0.1:9/hook"], templates_dir = "nowhere" }\n',
    )
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"error: portfolios[p].notify: templates_dir {tmp_path / 'nowhere'} is not a folder",
        f"1 error(s), 0 warning(s) in {path}",
    ]


def test_a_template_that_does_not_compile_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("symbol,asset_class,value\nA,stocks,1\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "title.j2").write_text("{% if %}\n")
    path = config(
        tmp_path,
        '[notify]\nurls = ["json://127.0.0.1:9/hook"]\ntemplates_dir = "templates"\n'
        '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "h.csv" }\n',
    )
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 2
    assert result.stdout.startswith(
        f"error: portfolios[p].notify: {tmp_path / 'templates' / 'title.j2'}: line 1: "
    )


def test_a_template_file_no_message_uses_is_a_warning(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("symbol,asset_class,value\nA,stocks,1\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "drifed.title.j2").write_text("typo in the name\n")
    path = config(
        tmp_path,
        '[notify]\nurls = ["json://127.0.0.1:9/hook"]\ntemplates_dir = "templates"\n'
        '[[portfolios]]\nid = "p"\nsource = { kind = "csv", path = "h.csv" }\n',
    )
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        f"warning: portfolios[p].notify.templates_dir: {tmp_path / 'templates' / 'drifed.title.j2'}"
        ": not a template name this monitor uses, nor included by one"
    )


def test_an_unsupported_database_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    path = config(tmp_path, '[database]\nurl = "mysql://db/monitor"\n')
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == (
        "error: database.url: unsupported database 'mysql'; use sqlite or postgresql"
    )


def test_show_masks_every_secret_and_prints_valid_toml(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_API__TOKEN", "api-t0ken-value")
    result = runner.invoke(app, ["--config", str(config(tmp_path, WITH_SECRETS)), "config", "show"])
    assert result.exit_code == 0, result.output
    for secret in (*SECRETS, "api-t0ken-value"):
        assert secret not in result.stdout
    shown = tomllib.loads(result.stdout)
    assert (
        shown["database"]["url"] == "postgresql+psycopg://monitor:****@db.example.com:5432/monitor"
    )
    assert shown["api"]["token"] == "****"
    remote, warehouse = shown["portfolios"]
    assert remote["source"]["url"] == "https://svc.example.com/h?token=****"
    assert remote["source"]["headers"] == {"Authorization": "****"}
    assert warehouse["source"]["url"] == "postgresql+psycopg://reader:****@wh.example.com/books"
    assert shown["notify"]["urls"][0].startswith("json://alice:****@hooks.example.com/")


def test_show_writes_durations_in_the_configs_notation(runner: CliRunner, tmp_path: Path) -> None:
    path = config(tmp_path, WITH_SECRETS)
    result = runner.invoke(app, ["--config", str(path), "config", "show", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["notify"]["cooldown"] == "12h"
    assert shown["notify"]["drain_every"] == "5s"
    assert shown["portfolios"][0]["schedule"] == {"every": "90s"}


def test_show_reflects_environment_overrides(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_API__PORT", "9300")
    result = runner.invoke(app, ["--config", str(EXAMPLE), "config", "show", "-f", "json"])
    assert json.loads(result.stdout)["api"]["port"] == 9300


def test_show_of_a_broken_config_is_one_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    path = config(tmp_path, "[api]\nport = 70000\n")
    result = runner.invoke(app, ["--config", str(path), "config", "show"])
    assert result.exit_code == 2
    assert "api.port: Input should be less than or equal to 65535" in result.stderr


def test_validate_names_the_key_of_a_duration_too_long_to_hold(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = config(
        tmp_path,
        '[notify]\ncooldown = "999999999999d"\n'
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "h.csv" }\n'
        'schedule = { every = "99999999999w" }\n',
    )
    result = runner.invoke(app, ["--config", str(path), "config", "validate"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == f"2 error(s) in {path}"
    assert [line.split(": ", 1)[1] for line in lines[:-1]] == [
        "notify.cooldown: '999999999999d' is too long; at most 100 years (36500d)",
        "portfolios[family].schedule.every: '99999999999w' is too long; at most 100 years (36500d)",
    ]
