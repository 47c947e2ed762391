"""The Dockerfile read as text (no Docker engine here): stages, user, health check, signal."""

from __future__ import annotations

import json
import tomllib

from tests.deploy.files import (
    ROOT,
    dockerfile_stages,
    image_environment,
    instruction,
    runtime_stage,
)


def test_the_wheel_is_built_in_one_stage_and_installed_into_a_slim_runtime() -> None:
    stages = dockerfile_stages()
    assert len(stages) == 2
    builder, runtime = stages
    assert instruction(builder, "FROM")[0].endswith(" AS builder")
    assert any("pip wheel" in run for run in instruction(builder, "RUN"))
    assert "-slim AS runtime" in instruction(runtime, "FROM")[0]
    assert instruction(runtime, "COPY")[0] == "--from=builder /opt/venv /opt/venv"


def test_the_builder_copies_all_the_wheel_is_built_from_the_migrations_too() -> None:
    """The wheel takes the package and, from beside it, the migrations (pyproject's
    force-include): an image built without them could not migrate on start."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {*wheel["packages"], *wheel["force-include"]}
    assert needed == {"monitor", "migrations"}
    builder = dockerfile_stages()[0]
    copied = {source for copy in instruction(builder, "COPY") for source in copy.split()[:-1]}
    assert needed <= copied
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert not needed & {line.strip().rstrip("/") for line in ignored}


def test_the_runtime_runs_as_a_user_that_is_not_root() -> None:
    [user] = instruction(runtime_stage(), "USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    assert any("useradd --system --uid 10001" in run for run in instruction(runtime_stage(), "RUN"))


def test_the_health_check_asks_healthz_with_python_since_slim_has_no_curl() -> None:
    [healthcheck] = instruction(runtime_stage(), "HEALTHCHECK")
    options, _, command = healthcheck.partition(" CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    assert "/healthz" in argv[2] and "MONITOR_API__PORT" in argv[2]


def test_sigterm_stops_the_daemon() -> None:
    assert instruction(runtime_stage(), "STOPSIGNAL") == ["SIGTERM"]


def test_the_config_has_a_fixed_documented_place() -> None:
    environment = image_environment()
    assert environment["MONITOR_CONFIG"] == "/etc/allocation-monitor/allocation-monitor.toml"
    copies = instruction(runtime_stage(), "COPY")
    assert "config/allocation-monitor.toml config/holdings.json /etc/allocation-monitor/" in copies
    assert json.loads(instruction(runtime_stage(), "ENTRYPOINT")[0]) == ["allocation-monitor"]
    assert json.loads(instruction(runtime_stage(), "CMD")[0]) == ["run"]
