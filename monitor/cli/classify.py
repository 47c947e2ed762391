"""``allocation-monitor classify``: the symbols of a holdings file the ``[classify]`` map does
not know, as a TOML snippet to fill in and paste into the config."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monitor.cli.app import app, out, state_of
from monitor.cli.check import configured
from monitor.errors import InputError

if TYPE_CHECKING:
    from monitor.domain.allocation import Holding
    from monitor.domain.classify import Classifier

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(symbol: str) -> str:
    return symbol if BARE_KEY.match(symbol) else json.dumps(symbol)


def snippet(holdings: list[Holding], classifier: Classifier) -> str:
    """A ``[classify.symbols]`` table with an empty class for each unknown symbol, its
    broker's description and type beside it."""
    from monitor.domain.classify import Unclassified

    unknown = set(classifier.unknown(holdings))
    lines: dict[str, str] = {}
    for holding in holdings:
        if holding.symbol not in unknown or holding.symbol in lines:
            continue
        said = ""
        if isinstance(holding, Unclassified):
            said = ", ".join(
                text for text in (holding.fact("description"), holding.fact("type")) if text
            )
        lines[holding.symbol] = f'{toml_key(holding.symbol)} = ""' + (f"  # {said}" if said else "")
    return "\n".join(
        [
            f"# {len(lines)} symbol(s) the [classify] map does not know: give each a class",
            '# ("stocks", "stocks/us", "stocks:60;bonds:40"...) and paste this into the config.',
            "[classify.symbols]",
            *lines.values(),
        ]
    )


@app.command()
def classify(
    ctx: typer.Context,
    holdings: Path | None = typer.Option(
        None,
        "--holdings",
        "-H",
        help="A broker's export or a holdings file (.csv, .json, .yaml); "
        "default: the --portfolio's source.",
    ),
    portfolio: str | None = typer.Option(
        None, "--portfolio", "-p", help="Use this configured portfolio's classify table too."
    ),
) -> None:
    """Print the symbols the [classify] map does not know, as TOML to fill in and paste.

    Exit status: 0 (whether or not some are unknown), 2 bad input.
    """
    from monitor.sources import read_holdings_file

    settings = state_of(ctx).settings
    classifier = configured(settings, portfolio).classifier
    if holdings is not None:
        held, name = read_holdings_file(holdings), holdings.name
    elif portfolio is not None:
        source = settings.require_portfolio(portfolio).source
        held, name = source.fetch(), source.describe()
    else:
        raise InputError("--holdings", "give a holdings file, or a --portfolio to read its source")
    if not classifier.unknown(held):
        out.file.write(f"# every symbol of {name} has a class\n")
        return
    # Written as it is: a console would wrap a long line, and the snippet is to be pasted.
    out.file.write(snippet(held, classifier) + "\n")
