"""The ``allocation-monitor`` command: each command lives in its own module here."""

from __future__ import annotations

from monitor.cli import (
    alerts,
    attribution,
    check,
    classify,
    config,
    db,
    history,
    notify,
    replay,
    run,
    serve,
    silences,
)
from monitor.cli.app import app

__all__ = [
    "alerts",
    "app",
    "attribution",
    "check",
    "classify",
    "config",
    "db",
    "history",
    "main",
    "notify",
    "replay",
    "run",
    "serve",
    "silences",
]


def main() -> None:
    app(prog_name="allocation-monitor")
