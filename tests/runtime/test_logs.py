"""Log lines: text or JSON, one per event, and no secret in any of them."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.notify.delivery import Message, Route, deliver
from monitor.runtime.logs import configure_for, configure_logging, settings_secrets
from monitor.settings import Settings, load_settings
from tests.fixtures.sinks import WebhookSink, free_port

TOKEN = "api-token-0123456789"
BOT_TOKEN = "123456789:ABCdefGHIjklMNOpqrSTUvwxYZ"
DB_PASSWORD = "db-pass-9876"


def secret_settings() -> Settings:
    return Settings(
        api={"token": TOKEN},
        database={"url": f"postgresql://monitor:{DB_PASSWORD}@db:5432/monitor"},
        notify={"urls": [f"tgram://{BOT_TOKEN}/12345"]},
    )


def test_text_lines_carry_time_level_logger_and_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "text")
    logging.getLogger("monitor.example").info("tick %s: %s", "family", "ok")
    line = capsys.readouterr().err.strip()
    assert line.endswith(" INFO    monitor.example: tick family: ok")
    assert line[:4].isdigit()


def test_json_lines_are_one_object_each_with_utc_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("monitor.example").warning("tick %s failed", "family")
    logging.getLogger("monitor.example").info("second event")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert {k: first[k] for k in ("level", "logger", "message")} == {
        "level": "WARNING",
        "logger": "monitor.example",
        "message": "tick family failed",
    }
    assert first["time"].endswith("+00:00")


def test_a_traceback_stays_inside_its_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("monitor.example").exception("tick crashed")
    [line] = capsys.readouterr().err.splitlines()
    assert "ValueError: boom" in json.loads(line)["exc_info"]


def test_the_settings_secrets_are_found() -> None:
    secrets = settings_secrets(secret_settings())
    assert {TOKEN, DB_PASSWORD} <= secrets
    assert any(BOT_TOKEN.partition(":")[2] in secret for secret in secrets)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_are_masked_in_messages_and_tracebacks_from_any_logger(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    configure_for(secret_settings(), log_format)
    logging.getLogger("some.library").warning("calling with %s", TOKEN)
    logging.getLogger("monitor.x").warning("sending to tgram://%s/12345", BOT_TOKEN)
    logging.getLogger("monitor.x").warning("connecting to postgresql://u:%s@db/x", DB_PASSWORD)
    logging.getLogger("monitor.x").warning("fetching https://h/p?api_key=k-42-secret")
    try:
        raise RuntimeError(f"refused token {TOKEN}")
    except RuntimeError:
        logging.getLogger("monitor.x").exception("failed")
    err = capsys.readouterr().err
    for secret in (TOKEN, BOT_TOKEN.partition(":")[2], DB_PASSWORD, "k-42-secret"):
        assert secret not in err
    assert err.count("****") >= 5


def test_the_configured_log_level_hides_the_lines_below_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "allocation-monitor.toml"
    config.write_text('log_level = "WARNING"\n', encoding="utf-8")
    configure_for(load_settings(config), None)
    logging.getLogger("monitor.example").info("tick family: ok")
    logging.getLogger("monitor.example").warning("tick family failed")
    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith(" WARNING monitor.example: tick family failed")


def test_libraries_say_only_warnings_and_up_even_at_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("DEBUG", "text")
    down = WebhookSink()  # never started: the send fails, and Apprise says why at DEBUG
    [result] = deliver(Route(urls=(down.json_url,)), Message("t", "b", "b"))
    assert result.error is not None and result.error.endswith(": connection refused")
    logged = capsys.readouterr().err.splitlines()
    assert [line for line in logged if " apprise: " in line and " WARNING " not in line] == []
    assert any(" WARNING apprise: A Connection error occurred" in line for line in logged)


@pytest.fixture
def failing_config(tmp_path: Path) -> Path:
    path = tmp_path / "allocation-monitor.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "m.db"}"\n'
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "missing.csv" }\n',
        encoding="utf-8",
    )
    return path


def test_tick_logs_json_with_the_option(failing_config: Path) -> None:
    result = CliRunner().invoke(
        app, ["--config", str(failing_config), "tick", "--log-format", "json"]
    )
    assert result.exit_code == 1, result.output
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(e["level"], e["logger"]) for e in events] == [
        ("WARNING", "monitor.runtime.preflight"),  # the holdings file is missing: said at the start
        ("WARNING", "monitor.runtime.pipeline"),
    ]
    assert events[1]["message"].startswith("tick family failed")


def test_the_log_format_can_come_from_the_environment(
    failing_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_LOG_FORMAT", "json")
    result = CliRunner().invoke(app, ["--config", str(failing_config), "tick"])
    assert json.loads(result.stderr.splitlines()[0])["level"] == "WARNING"


@pytest.mark.slow
def test_the_daemon_writes_every_line_as_json_until_it_stops(tmp_path: Path) -> None:
    (tmp_path / "family.csv").write_text("symbol,asset_class,value\nVTI,stocks,1\n")
    config = tmp_path / "allocation-monitor.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "m.db"}"\n'
        f"[api]\nport = {free_port()}\ntoken = {TOKEN!r}\n"
        '[[portfolios]]\nid = "family"\nsource = { kind = "csv", path = "family.csv" }\n',
        encoding="utf-8",
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    program = str(Path(sys.executable).parent / "allocation-monitor")
    daemon = subprocess.Popen(
        [program, "--config", str(config), "run", "--log-format", "json"],
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert daemon.stderr is not None
    watchdog = threading.Timer(60, daemon.kill)  # the loop below must not wait forever
    watchdog.start()
    lines = []
    for line in daemon.stderr:  # until the first tick is logged (or the daemon dies)
        lines.append(line)
        if "tick family @" in line:
            break
    daemon.send_signal(signal.SIGTERM)
    _, rest = daemon.communicate(timeout=60)
    watchdog.cancel()
    lines += rest.splitlines()
    assert daemon.returncode == 0, lines
    events = [json.loads(line) for line in lines]
    loggers = {event["logger"] for event in events}
    assert {"monitor.runtime.scheduler", "monitor.cli.run", "uvicorn.error"} <= loggers
    assert events[-1]["message"] == "stopped cleanly"
    assert not any(TOKEN in line for line in lines)
