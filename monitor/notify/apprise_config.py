"""The entries of an Apprise config file that a route's tags choose.

Apprise skips an entry it cannot use (an unknown service, a malformed URL) and only logs
it; those complaints are collected here, so that the checks made before anything runs can
name the entries skipped while the others deliver.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import apprise

from monitor.errors import DeliveryError
from monitor.notify.apprise_masking import loading

APPRISE_LOGGER = "apprise"  # every Apprise plugin logs through this one


def config_services(
    path: Path, tags: Sequence[str], problems: list[DeliveryError]
) -> tuple[list[Any], list[str]]:
    """The services of an Apprise config file that ``tags`` choose, and the entries Apprise
    skipped (as it complained of them, masked); a file it cannot use goes to ``problems``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(DeliveryError(str(path), "Apprise config file not found", permanent=True))
        return [], []
    except (OSError, UnicodeDecodeError) as error:
        problem = f"cannot read the Apprise config file: {error}"
        problems.append(DeliveryError(str(path), problem, permanent=True))
        return [], []
    complaints = Complaints()
    apprise_logger = logging.getLogger(APPRISE_LOGGER)
    apprise_logger.addHandler(complaints)
    try:
        with loading(text=text):
            config = apprise.AppriseConfig()
            config.add(str(path))
            loaded = apprise.Apprise(config)
            everything = list(loaded)
            # Apprise's own tag rules; None picks the untagged entries.
            chosen = list(loaded.find(tag=list(tags) or None))
    finally:
        apprise_logger.removeHandler(complaints)
    if not everything:
        problem = "no usable Apprise URL in it (the log names the lines Apprise rejected)"
        problems.append(DeliveryError(str(path), problem, permanent=True))
    return chosen, [f"{path}: {message}" for message in dict.fromkeys(complaints.messages)]


class Complaints(logging.Handler):
    """What Apprise says about a config file while this thread loads it."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Records arrive masked: the secret filter runs on the logger, before handlers.
        if record.thread == self.thread:
            self.messages.append(record.getMessage())
