"""The ``allocation-monitor`` command group and what its commands share.

Domain errors become one-line messages here (exit 2), at the edge; nothing below prints.
"""

from __future__ import annotations

import copy
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from typer.core import TyperGroup, TyperOption

from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.settings import Settings

log = logging.getLogger("monitor.cli")

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, not the user's input


class MonitorGroup(TyperGroup):
    """The root command: turns errors into messages, and lends its own options (``--config``,
    ``--debug``) to every command below it, so they may come before the command's name or
    after it, as most people type them."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        lend_options(self, [p for p in self.params if isinstance(p, TyperOption)])

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except MonitorError as error:
            # A problem the user can fix: one line on stderr, no traceback.
            err.print(f"Error: {error}", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (typer.TyperException, typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as error:
            state = ctx.find_object(CliState)
            if state is not None and state.debug:
                raise
            log.debug("internal error", exc_info=True)
            err.print(
                f"Error: internal error ({type(error).__name__}: {error}); "
                "run with --debug for the traceback",
                markup=False,
            )
            raise SystemExit(EXIT_INTERNAL) from None


app = typer.Typer(
    cls=MonitorGroup,
    name="allocation-monitor",
    help="Watch portfolios' allocations and say when to rebalance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@dataclass
class CliState:
    """The root options' values (one attribute per option), and the settings they name."""

    config_path: Path | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def given(self, name: str, value: object) -> None:
        """A root option given again after a command's name: that one wins."""
        setattr(self, name, value)
        self._settings = None  # a group's callback may have loaded them from the other

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            # Imported here: ``--help`` loads no settings, and need not wait for pydantic's.
            from monitor.settings import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_object(CliState)
    if state is None:  # a command invoked on its own, as in some tests
        state = ctx.ensure_object(CliState)
    return state


def record_lent(ctx: Any, option: Any, value: object) -> None:
    # Typed Any: click calls it with its own Context and Parameter, which typer does not export.
    if value is not None and value != option.default:
        state_of(ctx).given(option.name or "", value)


def lent(option: TyperOption) -> TyperOption:
    """``option`` for a command below the root: its value goes to ``CliState``, not to the
    command's function. The environment is read by the root's, once."""
    borrowed = copy.copy(option)
    borrowed.envvar = None
    borrowed.expose_value = False
    borrowed.callback = record_lent
    return borrowed


def lend_options(group: TyperGroup, options: list[TyperOption]) -> None:
    for command in group.commands.values():
        command.params.extend(lent(option) for option in options)
        if isinstance(command, TyperGroup):
            lend_options(command, options)


def terminal_width() -> int | None:
    # Rich falls back to 80 columns off a terminal; reports read better wider.
    return None if os.environ.get("COLUMNS") else 120


out = Console(highlight=False, width=terminal_width(), soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.callback()
def root(
    ctx: typer.Context,
    config_path: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        envvar="MONITOR_CONFIG",
        help="TOML config file (env MONITOR_CONFIG); MONITOR_* variables override it. "
        "Given before and after the command, the one after wins.",
        dir_okay=False,
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    """Exit status: 0 fine, 1 rebalancing needed (check), 2 bad input or configuration."""
    ctx.obj = CliState(config_path=config_path, debug=debug)
