"""The ``allocation-monitor`` command: each command lives in its own module here.

A command module imports at its top only what declaring its options takes; what running it
takes (the store, the API, Apprise, uvicorn) is imported in the command's body. Every
module here is imported to build the command group, so ``--help`` and ``check`` would
otherwise wait for all of it (``tests/cli/test_startup.py`` holds this).
"""

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
