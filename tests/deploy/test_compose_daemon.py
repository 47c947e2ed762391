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
import shutil
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.deploy.files import ROOT, compose, image_environment, instruction, runtime_stage
from tests.fixtures.daemon import DaemonFactory, wait_until
from tests.fixtures.sinks import SmtpSink, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CONTAINER_CONFIG = "/etc/allocation-monitor"
CONTAINER_SECRETS = "/run/secrets/"


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
        """The service's ``MONITOR_*`` variables (the daemon fixture leaves out this test's
        own)."""
        service = compose()["services"]["monitor"]
        declared = {**image_environment(), **service["environment"]}
        monitor = {
            k: self.rewritten(str(v)) for k, v in declared.items() if k.startswith("MONITOR_")
        }
        assert monitor.pop("MONITOR_API__HOST") == "0.0.0.0"
        assert monitor.pop("MONITOR_API__PORT") == "8012"
        return monitor | {"MONITOR_API__HOST": "127.0.0.1", "MONITOR_API__PORT": str(self.api_port)}

    def program(self) -> list[str]:
        [entrypoint] = instruction(runtime_stage(), "ENTRYPOINT")
        assert json.loads(entrypoint) == ["allocation-monitor"]
        return [str(Path(sys.executable).parent / "allocation-monitor")]

    def command(self) -> list[str]:
        command: list[str] = compose()["services"]["monitor"]["command"]
        return command

    @property
    def token(self) -> str:
        return (self.secrets / "api_token").read_text(encoding="utf-8").strip()


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


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_daemon_runs_with_the_compose_environment(
    tmp_path: Path, empty_database_url: str, smtp_sink: SmtpSink, daemon_process: DaemonFactory
) -> None:
    world = ComposeWorld(tmp_path, empty_database_url, smtp_sink.port)
    daemon = daemon_process(
        world.config / "compose.toml",
        env=world.environment(),
        command=world.command(),
        program=world.program(),
        cwd=world.workdir,
    ).start()
    wait_until(
        lambda: snapshot_count(empty_database_url) >= 1, "a snapshot in PostgreSQL", process=daemon
    )
    [email] = wait_until(lambda: smtp_sink.messages, "the alert email", process=daemon)
    assert str(email["Subject"]).startswith("Rebalance family")
    assert email["To"] == "owner@example.com"
    api = f"http://127.0.0.1:{daemon.api_port}"
    assert httpx.get(f"{api}/healthz").status_code == 200
    assert httpx.get(f"{api}/readyz").status_code == 401
    ready = httpx.get(f"{api}/readyz", headers={"Authorization": f"Bearer {world.token}"})
    assert ready.status_code == 200, ready.text
    assert daemon.stop() == 0
    output = daemon.log()
    assert "stopped cleanly" in output, output
    assert world.token not in output
