"""Where the settings come from besides their defaults: ``MONITOR_*`` variables,
``MONITOR_*_FILE`` secrets and the config file being loaded.

``MONITOR_API__TOKEN_FILE=/run/secrets/token`` sets ``api.token`` to the file's content (the
Docker secrets convention); an unreadable file stops the start rather than run without it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_settings import EnvSettingsSource, PydanticBaseSettingsSource

from monitor.errors import ConfigError

PREFIX = "MONITOR_"
FILE_SUFFIX = "_FILE"
# Short spellings that deployments commonly use, mapped to their nested form.
ALIASES = {"MONITOR_DATABASE_URL": "MONITOR_DATABASE__URL"}
# Variables with the prefix that are not settings.
NOT_SETTINGS = {"MONITOR_CONFIG", "MONITOR_TEST_POSTGRES_URL", "MONITOR_TEST_PAUSE_IN_WRITE"}


def settings_environ() -> dict[str, str]:
    """``MONITOR_*`` variables that are settings, with aliases spelled out."""
    upper_names = {name.upper() for name in os.environ}
    found = {}
    for name, value in os.environ.items():
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in NOT_SETTINGS or upper.endswith(FILE_SUFFIX):
            continue
        if upper in ALIASES and ALIASES[upper] in upper_names:
            continue  # the nested spelling wins over its alias
        found[ALIASES.get(upper, upper)] = value
    return found


class MonitorEnvSource(EnvSettingsSource):
    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in settings_environ().items()}


class EnvFileSecretsSource(PydanticBaseSettingsSource):
    """``MONITOR_A__B_FILE=path`` -> ``{"a": {"b": <file content>}}``."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, path in os.environ.items():
            upper = name.upper()
            if not (upper.startswith(PREFIX) and upper.endswith(FILE_SUFFIX)):
                continue
            setting = upper.removesuffix(FILE_SUFFIX)
            setting = ALIASES.get(setting, setting)
            keys = setting.removeprefix(PREFIX).lower().split("__")
            try:
                content = Path(path).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise ConfigError(
                    [f"{name}: cannot read secret file {path}: {error.strerror}"]
                ) from None
            node = values
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            node[keys[-1]] = content
        return values


@dataclass(frozen=True, slots=True)
class ConfigFile:
    data: dict[str, Any]  # already parsed by ``load_settings``, so that its errors name the file
    folder: Path  # relative paths in the file are relative to it


config_file: ContextVar[ConfigFile | None] = ContextVar("monitor_config_file", default=None)


class TomlDataSource(PydanticBaseSettingsSource):
    """The config file that ``load_settings`` is loading, if any."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        file = config_file.get()
        return {} if file is None else dict(file.data)
