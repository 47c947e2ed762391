"""The ``allocation-monitor`` command: each command lives in its own module here."""

from __future__ import annotations

from monitor.cli import attribution, check, config, db, history, run, serve
from monitor.cli.app import app

__all__ = ["app", "attribution", "check", "config", "db", "history", "main", "run", "serve"]


def main() -> None:
    app(prog_name="allocation-monitor")
