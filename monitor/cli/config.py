"""``allocation-monitor config validate`` and ``config show``.

``validate`` reports every problem with its key path: what loading rejects, then what
``monitor.runtime.preflight`` finds (the checks ``run`` and ``tick`` make before they start).
Errors exit 2; warnings exit 0, or 2 with ``--strict``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from monitor.cli.app import EXIT_BAD_INPUT, app, out, state_of
from monitor.errors import ConfigError
from monitor.masking import MASK, redact_url

if TYPE_CHECKING:
    from monitor.settings import Settings

config_app = typer.Typer(
    name="config",
    help="Check the configuration, or print it as it takes effect.",
    no_args_is_help=True,
)
app.add_typer(config_app)


class Format(StrEnum):
    toml = "toml"
    json = "json"


def say(line: str) -> None:
    # Never wrapped: a wrapped line of TOML or JSON would not parse.
    out.print(line, markup=False, soft_wrap=True)


def summary(settings: Settings, where: str) -> str:
    ids = settings.portfolio_ids
    listed = f" ({', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''})" if ids else ""
    api = f"API on {settings.api.host}:{settings.api.port}" if settings.api.enabled else "no API"
    return (
        f"OK: {where}: {len(ids)} portfolio(s){listed}, "
        f"database {redact_url(settings.database.url)}, {api}"
    )


@config_app.command()
def validate(
    ctx: typer.Context,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Report every problem of the config (and MONITOR_* overrides), with its key path.

    Exit status: 0 usable (warnings may be printed), 2 problems found.
    """
    from monitor.runtime.preflight import preflight
    from monitor.settings import load_settings

    path = state_of(ctx).config_path
    where = str(path) if path else "defaults and environment"
    try:
        settings = load_settings(path)
    except ConfigError as error:
        for problem in error.problems:
            say(f"error: {problem}")
        say(f"{len(error.problems)} error(s) in {where}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    found = preflight(settings)
    errors, warnings = found.errors, found.warnings
    for found_error in errors:
        say(f"error: {found_error}")
    for warning in warnings:
        say(f"warning: {warning}")
    if errors or (strict and warnings):
        say(f"{len(errors)} error(s), {len(warnings)} warning(s) in {where}")
        raise typer.Exit(EXIT_BAD_INPUT)
    note = f" ({len(warnings)} warning(s))" if warnings else ""
    say(summary(settings, where) + note)


def shown_value(value: Any, key: str, parent: str) -> Any:
    """A settings value as TOML/JSON can hold it, with every secret masked."""
    from pydantic import SecretStr  # loaded with the settings already: a lookup

    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, Mapping):
        return {k: shown_value(v, str(k), key) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        if key == "urls" and parent == "notify":
            from monitor.notify.apprise_masking import redact_notify_url

            return [redact_notify_url(str(url)) for url in value]
        return [shown_value(item, key, parent) for item in value]
    return shown_scalar(value, key)


def shown_scalar(value: Any, key: str) -> Any:
    """One value as TOML/JSON can hold it, a URL with its secrets masked."""
    if isinstance(value, str) and (key == "url" or key.endswith("_url")):
        return redact_url(value)
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Path):
        return str(value)
    return value


def duration_text(value: timedelta) -> str:
    """``timedelta(hours=24)`` -> ``"24h"``: the config's own notation, in its largest unit."""
    seconds = value.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def effective_config(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump()
    for index, entry in enumerate(settings.portfolios):
        # The field is typed as the base options model, which dumps only ``kind``.
        data["portfolios"][index]["source"] = entry.source.model_dump()
    if settings.fx.source is not None:
        data["fx"]["source"] = settings.fx.source.model_dump()
    shown: dict[str, Any] = shown_value(data, "", "")
    return shown


@config_app.command()
def show(
    ctx: typer.Context,
    output_format: Format = typer.Option(Format.toml, "--format", "-f", help="toml or json."),
) -> None:
    """Print the effective config (file, MONITOR_* overrides, defaults), secrets masked.

    Passwords and tokens in URLs, HTTP headers, command environments and the API token are
    shown as masks. Relative paths are shown resolved.
    """
    import tomli_w

    config = effective_config(state_of(ctx).settings)
    if output_format is Format.json:
        say(json.dumps(config, indent=2))
    else:
        say(tomli_w.dumps(config).rstrip("\n"))
