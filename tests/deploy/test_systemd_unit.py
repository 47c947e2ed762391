"""config/allocation-monitor.service: restarts on failure, unprivileged, stops with SIGTERM."""

from __future__ import annotations

from tests.deploy.files import CONFIG

UNIT = CONFIG / "allocation-monitor.service"


def directives() -> dict[str, dict[str, list[str]]]:
    """``{section: {key: [values]}}``; systemd allows a key more than once."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_the_unit_restarts_on_failure_but_not_on_a_configuration_error() -> None:
    service = directives()["Service"]
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"]  # the CLI's exit for bad config


def test_the_daemon_runs_as_an_unprivileged_user() -> None:
    service = directives()["Service"]
    assert service["User"] == ["monitor"]
    assert service["NoNewPrivileges"] == ["yes"]


def test_it_is_stopped_with_sigterm_and_given_time_to_finish_the_tick() -> None:
    service = directives()["Service"]
    assert service["KillSignal"] == ["SIGTERM"]
    assert int(service["TimeoutStopSec"][0]) >= 30
    assert service["ExecStart"][0].endswith("allocation-monitor run")


def test_secrets_come_from_an_environment_file_not_the_unit() -> None:
    service = directives()["Service"]
    assert service["EnvironmentFile"] == ["/etc/allocation-monitor/secrets.env"]
    assert all(
        not value.startswith(("MONITOR_API__TOKEN", "MONITOR_DATABASE"))
        for value in service["Environment"]
    )
    assert directives()["Install"]["WantedBy"] == ["multi-user.target"]
