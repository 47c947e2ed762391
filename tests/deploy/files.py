"""The deployment files as the tests read them: compose, Dockerfile, the settings' env names."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from monitor.settings import Settings
from monitor.settings.env import ALIASES, FILE_SUFFIX, PREFIX

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
CONFIG = ROOT / "config"
# Read by the command line, not by the settings model.
CLI_VARIABLES = {"MONITOR_CONFIG"}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def setting_names(model: type[BaseModel] = Settings, prefix: str = PREFIX) -> set[str]:
    """Every environment variable the settings read, derived from the model itself: one per
    leaf setting (``MONITOR_API__PORT``), its ``_FILE`` form, and the aliases."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        variable = prefix + name.upper()
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= setting_names(annotation, variable + "__")
        else:
            names |= {variable, variable + FILE_SUFFIX}
    for alias, nested in ALIASES.items():
        if nested in names:
            names |= {alias, alias + FILE_SUFFIX}
    return names


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, ``(INSTRUCTION, arguments)``, stage by stage; line
    continuations joined, comments dropped."""
    stages: list[list[tuple[str, str]]] = []
    logical = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        instruction, _, arguments = logical.partition(" ")
        logical = ""
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def runtime_stage() -> list[tuple[str, str]]:
    return dockerfile_stages()[-1]


def instruction(stage: list[tuple[str, str]], name: str) -> list[str]:
    return [arguments for instr, arguments in stage if instr == name]


def image_environment() -> dict[str, str]:
    """The ``ENV key=value ...`` of the runtime stage (no ``$VAR`` expansion)."""
    environment: dict[str, str] = {}
    for arguments in instruction(runtime_stage(), "ENV"):
        for word in shlex.split(arguments):
            key, _, value = word.partition("=")
            environment[key] = value
    return environment
