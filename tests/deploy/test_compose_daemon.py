"""The compose stack's daemon, for real, without Docker: ``allocation-monitor run`` with the
monitor service's environment (the image's ENV, then the service's), each container-only
name rewritten to what stands in for it here:

- the ``postgres`` service: a fresh database on the local PostgreSQL;
- the ``mailpit`` service: a local SMTP server (tests/fixtures/sinks.py);
- ``/run/secrets/<name>``: a temporary copy of the secret's file (the database URL's
  pointing at the fresh database);
- ``/etc/allocation-monitor``: a copy of ``config/``; the working directory: a temp folder;
- the API on every interface at 8012: 127.0.0.1 on a free port.

It then sees the snapshot land in PostgreSQL, the alert email arrive, the API guarded by
the secret token, and the daemon stop cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.deploy.files import ROOT, compose, image_environment, instruction, runtime_stage
from tests.fixtures.databases import PostgresDatabases
from tests.fixtures.sinks import SmtpSink, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_SECONDS = 60.0
CONTAINER_CONFIG = "/etc/allocation-monitor"
CONTAINER_SECRETS = "/run/secrets/"


def wait_until(condition: Callable[[], Any], what: str, process: subprocess.Popen[str]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the daemon exited ({process.returncode}) before {what}")
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {WAIT_SECONDS}s")


class ComposeWorld:
    """The monitor service's environment with its container names rewritten."""

    def __init__(self, tmp_path: Path, database_url: str, smtp_port: int) -> None:
        self.config = tmp_path / "config"
        shutil.copytree(ROOT / "config", self.config)
        config_text = (self.config / "compose.toml").read_text(encoding="utf-8")
        (self.config / "compose.toml").write_text(
            config_text.replace("mailpit:1025", f"127.0.0.1:{smtp_port}"), encoding="utf-8"
        )
        self.secrets = tmp_path / "secrets"
        self.secrets.mkdir()
        for name, declared in compose()["secrets"].items():
            shutil.copyfile(ROOT / declared["file"], self.secrets / name)
        (self.secrets / "database_url").write_text(database_url + "\n", encoding="utf-8")
        self.workdir = tmp_path / "data"
        self.workdir.mkdir()
        self.api_port = free_port()

    def rewritten(self, value: str) -> str:
        value = value.replace(CONTAINER_CONFIG, str(self.config))
        return value.replace(CONTAINER_SECRETS, f"{self.secrets}/")

    def environment(self) -> dict[str, str]:
        service = compose()["services"]["monitor"]
        declared = {**image_environment(), **service["environment"]}
        monitor = {
            k: self.rewritten(str(v)) for k, v in declared.items() if k.startswith("MONITOR_")
        }
        assert monitor.pop("MONITOR_API__HOST") == "0.0.0.0"
        assert monitor.pop("MONITOR_API__PORT") == "8012"
        monitor |= {"MONITOR_API__HOST": "127.0.0.1", "MONITOR_API__PORT": str(self.api_port)}
        # Nothing of this test's own MONITOR_* environment leaks in.
        base = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        return base | monitor

    def command(self) -> list[str]:
        [entrypoint] = instruction(runtime_stage(), "ENTRYPOINT")
        program = json.loads(entrypoint)
        assert program == ["allocation-monitor"]
        executable = Path(sys.executable).parent / "allocation-monitor"
        return [str(executable), *compose()["services"]["monitor"]["command"]]

    @property
    def token(self) -> str:
        return (self.secrets / "api_token").read_text(encoding="utf-8").strip()


@pytest.fixture
def fresh_database(postgres_databases: PostgresDatabases) -> Iterator[str]:
    url = postgres_databases.create()
    yield url.render_as_string(hide_password=False)
    postgres_databases.drop(url)


def snapshot_count(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT to_regclass('snapshots')")).scalar()
            if exists is None:
                return 0
            return int(
                connection.execute(
                    text("SELECT count(*) FROM snapshots WHERE portfolio_id = 'family'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_the_daemon_runs_with_the_compose_environment(
    tmp_path: Path, fresh_database: str, smtp_sink: SmtpSink
) -> None:
    world = ComposeWorld(tmp_path, fresh_database, smtp_sink.port)
    log = (tmp_path / "daemon.log").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        world.command(),
        env=world.environment(),
        cwd=world.workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: snapshot_count(fresh_database) >= 1, "snapshot in PostgreSQL", process)
        [email] = wait_until(lambda: smtp_sink.messages, "alert email", process)
        assert str(email["Subject"]).startswith("Rebalance family")
        assert email["To"] == "owner@example.com"
        api = f"http://127.0.0.1:{world.api_port}"
        assert httpx.get(f"{api}/healthz").status_code == 200
        assert httpx.get(f"{api}/readyz").status_code == 401
        ready = httpx.get(f"{api}/readyz", headers={"Authorization": f"Bearer {world.token}"})
        assert ready.status_code == 200, ready.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT_SECONDS) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
        log.close()
    assert "stopped cleanly" in output, output
    assert world.token not in output
