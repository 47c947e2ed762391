"""What can be checked of a config before anything runs: ``config validate``, ``run`` and
``tick`` check the same things.

Errors make the config unusable: a database URL of an unsupported kind, and notification
routes that could never deliver (an Apprise URL or config file it cannot use, a templates
folder that is missing or does not compile). Warnings are things outside the file that are
wrong right now but may be fixed before the next tick (a holdings file, a program or a CA
bundle not found): the tick fails with the reason if they are not. Nothing is fetched,
nothing is sent, no database is opened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from monitor.errors import ConfigError
from monitor.notify.delivery import Route, RouteCheck, check_route
from monitor.notify.routing import has_route, templates_dir
from monitor.notify.templates import TemplateCheck, check_templates
from monitor.settings import PortfolioSettings, Settings

log = logging.getLogger(__name__)

SUPPORTED_DATABASES = ("sqlite", "postgresql")


@dataclass(frozen=True, slots=True)
class Problem:
    key: str  # the key path: "database.url", "portfolios[family].notify"
    problem: str

    def __str__(self) -> str:
        return f"{self.key}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Preflight:
    errors: list[Problem]
    warnings: list[Problem]


def preflight(settings: Settings, entries: list[PortfolioSettings] | None = None) -> Preflight:
    """The problems of the config, of ``entries`` (default: every portfolio) and the store."""
    chosen = settings.portfolios if entries is None else entries
    notify = notify_problems(settings, chosen)
    return Preflight(
        errors=database_problems(settings) + notify.errors,
        warnings=notify.warnings + source_warnings(chosen) + fx_warnings(settings),
    )


def require_startable(
    settings: Settings, source: str = "", entries: list[PortfolioSettings] | None = None
) -> None:
    """Before a command starts ticking ``entries`` (default: all): ``ConfigError`` naming
    every error; each warning logged, and on."""
    found = preflight(settings, entries)
    if found.errors:
        raise ConfigError([str(problem) for problem in found.errors], source)
    for warning in found.warnings:
        log.warning("%s", warning)


def database_problems(settings: Settings) -> list[Problem]:
    key = "database.url"
    try:
        backend = make_url(settings.database.url).get_backend_name()
    except ArgumentError:
        return [Problem(key, "not a database URL; write e.g. sqlite:///var/monitor.db")]
    if backend not in SUPPORTED_DATABASES:
        return [Problem(key, f"unsupported database {backend!r}; use sqlite or postgresql")]
    return []


def notify_problems(settings: Settings, entries: list[PortfolioSettings]) -> Preflight:
    """Each entry's notification problems, named by its key path. Errors: a routed entry's
    route that cannot be used, or its templates that do not compile. Warnings: Apprise config
    entries the route skips, and template files no message uses."""
    # Entries mostly share the [notify] route and templates: each is checked once.
    routes: dict[Route, RouteCheck] = {}
    folders: dict[Path, TemplateCheck] = {}
    errors, warnings = [], []
    for entry in entries:
        notify = settings.entry_config(entry.id).notify
        key = f"portfolios[{entry.id}].notify"
        folder = templates_dir(notify)
        templates = TemplateCheck([], [])
        if folder is not None:
            if folder not in folders:
                folders[folder] = check_templates(folder)
            templates = folders[folder]
            warnings += [Problem(f"{key}.templates_dir", unused) for unused in templates.unused]
        if not has_route(notify):
            continue
        route = Route.from_settings(notify)
        if route not in routes:
            routes[route] = check_route(route)
        problems, skipped = routes[route]
        errors += [Problem(key, problem) for problem in problems + templates.problems]
        warnings += [Problem(key, entry_skipped) for entry_skipped in skipped]
    return Preflight(errors, warnings)


def fx_warnings(settings: Settings) -> list[Problem]:
    """What can be seen wrong with the exchange rates' source without fetching it."""
    source = settings.fx.source
    found = [] if source is None else source.preflight()
    return [Problem(f"fx.source.{option}", problem) for option, problem in found]


def source_warnings(entries: list[PortfolioSettings]) -> list[Problem]:
    return [
        Problem(f"portfolios[{entry.id}].source.{option}", problem)
        for entry in entries
        for option, problem in entry.source.preflight()
    ]
