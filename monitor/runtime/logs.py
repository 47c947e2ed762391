"""Logging for the daemon and commands: one line per event on stderr, text or JSON, redacted.

Text (the default) is for a person at a terminal; JSON (``--log-format json`` or
``MONITOR_LOG_FORMAT=json``) is one object per line for a log shipper, with ``time`` (UTC,
ISO 8601), ``level``, ``logger`` and ``message``, plus ``exc_info`` when there is a
traceback. Every line, from any library, passes a filter that masks the configured secrets
(the API token, passwords in URLs, notification URLs' tokens, sources' secret headers) and
any URL password or secret query argument, whatever logged it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, SecretStr
from pythonjsonlogger.json import JsonFormatter

from monitor.masking import mask_secrets

if TYPE_CHECKING:
    from monitor.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
JSON_FIELDS = ["levelname", "name", "message"]
JSON_NAMES = {"levelname": "level", "name": "logger"}
# Libraries whose INFO lines are noise in the daemon's event log, so kept to WARNING and up:
# uvicorn.access logs each request (that belongs in an access log); APScheduler each job
# run; Apprise "Sent ... notification" per target (the drain logs the outcome once), and at
# DEBUG why a send failed (the drain logs that as part of the outcome); Alembic each
# migration context (monitor.store.migrate logs the one outcome).
QUIETENED_LOGGERS = ("uvicorn.access", "apscheduler", "apprise", "alembic")


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class QuietenedFilter(logging.Filter):
    """Drops the records below WARNING of ``QUIETENED_LOGGERS`` and their children.

    On the handler rather than as those loggers' levels: Apprise's logger lets its DEBUG
    lines through, so that a send can capture why it failed (``monitor.notify.delivery``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(
            record.name == name or record.name.startswith(name + ".") for name in QUIETENED_LOGGERS
        )


class RedactingFilter(logging.Filter):
    """Masks secrets in the message and traceback of every record a handler writes.

    On the handler rather than on loggers: a logger's filter does not see the records that
    propagate to it from its children, a handler's sees them all.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = frozenset(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_secrets(record.getMessage(), self.secrets), ()
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = mask_secrets(text, self.secrets), None
        return True


def walk(value: object) -> Iterator[object]:
    """Every leaf value of a settings model, through nested models, lists and dicts."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from walk(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from walk(item)
    else:
        yield value


def settings_secrets(settings: Settings) -> set[str]:
    """What the settings hold that must never reach a log line."""
    # Imported here: the CLI declares --log-format from this module, and its --help need
    # not load Apprise.
    from monitor.notify.apprise_masking import load_quietly, service_secrets, url_secrets

    secrets: set[str] = set()
    for value in walk(settings):
        if isinstance(value, SecretStr):
            secrets.add(value.get_secret_value())
        elif isinstance(value, str) and "://" in value:
            secrets |= url_secrets(value)
    for url in notify_urls(settings):
        service = load_quietly(url)  # Apprise knows which parts of its URLs are tokens
        if service is not None:
            secrets |= service_secrets(service)
    return {secret for secret in secrets if secret}


def notify_urls(settings: Settings) -> list[str]:
    urls = list(settings.notify.urls)
    for portfolio in settings.portfolios:
        urls += portfolio.notify.urls or []
    return urls


def formatter(log_format: str) -> logging.Formatter:
    if log_format == LogFormat.json:
        return JsonFormatter(JSON_FIELDS, rename_fields=JSON_NAMES, timestamp="time")
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(
    level: str = "INFO", log_format: str = "text", *, secrets: Iterable[str] = ()
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(QuietenedFilter())  # first: what it drops is never masked
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def configure_for(settings: Settings, log_format: str | None, *, level: str | None = None) -> None:
    """Logging as a command configures it: the settings' level and format unless overridden."""
    configure_logging(
        level or settings.log_level,
        log_format or settings.log_format,
        secrets=settings_secrets(settings),
    )
