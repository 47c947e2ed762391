"""docker-compose.yml: its contract read from the file (no Docker engine runs here), and the
daemon started with exactly the monitor service's environment, against the local
PostgreSQL and a local SMTP server standing in for Mailpit."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pytest

from monitor.settings import load_settings
from tests.deploy.files import (
    CLI_VARIABLES,
    CONFIG,
    ROOT,
    compose,
    image_environment,
    setting_names,
)


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"]
    return found


def published(service: dict[str, Any]) -> list[tuple[str, int, int]]:
    """``(host address, host port, container port)`` of each ``"a:b:c"`` port mapping."""
    mappings = []
    for mapping in service.get("ports", []):
        address, host_port, container_port = str(mapping).rsplit(":", 2)
        mappings.append((address, int(host_port), int(container_port)))
    return mappings


def test_the_stack_is_postgres_the_monitor_and_a_mail_sink(services: dict[str, Any]) -> None:
    assert set(services) == {"postgres", "monitor", "mailpit"}
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    assert services["monitor"]["build"] == "."


def test_postgres_has_a_healthcheck_the_monitor_waits_for(services: dict[str, Any]) -> None:
    test = services["postgres"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL" and test[1].startswith("pg_isready")
    assert services["monitor"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_only_the_api_and_the_mail_ui_are_published_and_only_on_this_machine(
    services: dict[str, Any],
) -> None:
    assert published(services["monitor"]) == [("127.0.0.1", 8012, 8012)]
    assert published(services["mailpit"]) == [("127.0.0.1", 8025, 8025)]
    assert "ports" not in services["postgres"]


def test_every_monitor_variable_is_one_the_settings_read(services: dict[str, Any]) -> None:
    variables = {*services["monitor"]["environment"], *image_environment()}
    monitor_variables = {name for name in variables if name.startswith("MONITOR_")}
    unknown = monitor_variables - setting_names() - CLI_VARIABLES
    assert not unknown, f"not read by the settings: {sorted(unknown)}"
    assert "MONITOR_API__TOKEN_FILE" in monitor_variables


def test_the_derived_names_cover_nested_files_and_aliases() -> None:
    names = setting_names()
    assert {"MONITOR_API__PORT", "MONITOR_API__TOKEN_FILE", "MONITOR_LOG_FORMAT"} <= names
    assert {"MONITOR_DATABASE_URL", "MONITOR_NOTIFY__URLS"} <= names
    assert "MONITOR_API" not in names and "MONITOR_API__NOPE" not in names


def test_secrets_come_from_files_through_docker_secrets(services: dict[str, Any]) -> None:
    declared = compose()["secrets"]
    for name, service in services.items():
        environment = service.get("environment", {})
        for variable, path in environment.items():
            if not variable.endswith("_FILE"):
                continue
            secret = PurePosixPath(path)
            assert secret.parent == PurePosixPath("/run/secrets"), (name, variable)
            assert secret.name in service["secrets"], (name, variable)
            assert (ROOT / declared[secret.name]["file"]).is_file(), secret.name
        assert not any("PASSWORD=" in str(v) or "TOKEN=" in str(v) for v in environment)


def test_the_monitor_mounts_config_where_monitor_config_points(services: dict[str, Any]) -> None:
    monitor = services["monitor"]
    mounts = dict(volume.split(":", 2)[:2] for volume in monitor["volumes"])
    config_file = PurePosixPath(monitor["environment"]["MONITOR_CONFIG"])
    assert mounts["./config"] == str(config_file.parent)
    assert (CONFIG / config_file.name).is_file()


def test_the_compose_config_routes_alerts_to_mailpit() -> None:
    settings = load_settings(CONFIG / "compose.toml")
    [url] = settings.notify.urls
    assert url.startswith("mailto://mailpit:1025?")
    assert [p.id for p in settings.portfolios] == ["family"]


def test_the_daemon_stops_gracefully_within_the_grace_period(services: dict[str, Any]) -> None:
    assert services["monitor"]["stop_grace_period"] == "60s"
    assert services["monitor"]["command"] == ["run"]
