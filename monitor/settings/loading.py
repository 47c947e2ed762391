"""Loading the settings: the TOML file read and parsed here (so that its errors name the
file), then validated with the environment over it; every problem is reported at once, each
with the path of its key (``portfolios[family].schedule.cron``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from monitor.errors import ConfigError
from monitor.settings.env import ConfigFile, config_file
from monitor.settings.models import Settings


def error_path(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """``("portfolios", 0, "schedule", "cron")`` -> ``portfolios[family].schedule.cron``."""
    parts: list[str] = []
    node: Any = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = item.get("id") if isinstance(item, dict) else None
            parts[-1] += f"[{label or key}]"
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)


def describe_errors(error: ValidationError, data: dict[str, Any]) -> list[str]:
    problems = []
    for item in error.errors():
        # Drop pydantic's internal union/validator labels from the path.
        loc = tuple(k for k in item["loc"] if not (isinstance(k, str) and "[" in k))
        message = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        path = error_path(loc, data)
        problems.append(f"{path}: {message}" if path else message)
    return problems


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([f"config file not found: {path}"]) from None
    except OSError as error:
        raise ConfigError([f"cannot read config file {path}: {error.strerror}"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"not valid TOML: {error}"], source=str(path)) from None


def load_settings(path: Path | None = None) -> Settings:
    """The effective settings; every problem is reported at once as a ``ConfigError``."""
    data = read_config_file(path) if path else {}
    token = config_file.set(ConfigFile(data, path.resolve().parent) if path else None)
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(describe_errors(error, data), source=str(path or "environment")) from None
    finally:
        config_file.reset(token)
