"""``allocation-monitor attribution``: what moved each class's value over a period."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from monitor.cli.app import app, out, state_of
from monitor.cli.history import SINCE_HELP, UNTIL_HELP
from monitor.domain.allocation import round2
from monitor.domain.attribution import Attribution, attribute
from monitor.domain.history import parse_window
from monitor.domain.numbers import money_text


class AttributionFormat(StrEnum):
    table = "table"
    json = "json"


def attribution_table(result: Attribution, zone: ZoneInfo) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Class")
    for title in ("Start", "End", "Change", "Market", "Flow", "Unattributed"):
        table.add_column(title, justify="right")
    for c in (*result.classes, result.total):
        table.add_row(
            c.asset_class,
            *(
                money_text(v)
                for v in (
                    c.start_value,
                    c.end_value,
                    c.change,
                    c.market_effect,
                    c.flow_effect,
                    c.unattributed,
                )
            ),
            end_section=c is result.classes[-1],
        )
    start = result.start_at.astimezone(zone)
    end = result.end_at.astimezone(zone)
    heading = f"From {start:%Y-%m-%d %H:%M %Z} to {end:%Y-%m-%d %H:%M %Z}"
    return Group(Text(heading), table)


def attribution_json(result: Attribution, zone: ZoneInfo) -> str:
    from monitor.api.exact_json import exact_json

    return exact_json(
        {
            "start_at": result.start_at.astimezone(zone).isoformat(),
            "end_at": result.end_at.astimezone(zone).isoformat(),
            "classes": [
                {
                    "asset_class": c.asset_class,
                    "start_value": round2(c.start_value),
                    "end_value": round2(c.end_value),
                    "change": round2(c.change),
                    "market_effect": round2(c.market_effect),
                    "flow_effect": round2(c.flow_effect),
                    "unattributed": round2(c.unattributed),
                }
                for c in (*result.classes, result.total)
            ],
        },
        indented=True,
    )


@app.command()
def attribution(
    ctx: typer.Context,
    portfolio: str = typer.Option(..., "--portfolio", "-p", help="Portfolio id."),
    since: str | None = typer.Option(None, metavar="DATE", help=SINCE_HELP),
    until: str | None = typer.Option(None, metavar="DATE", help=UNTIL_HELP),
    output: AttributionFormat = typer.Option(AttributionFormat.table, "--format", "-f"),
) -> None:
    """Each class's change in value between the first and last snapshot of a period, split
    into market effect (price moves of what was held) and flow (buys, sells, new and sold
    holdings); unattributed where quantities or prices are unknown."""
    from monitor.cli.store_access import opened_session
    from monitor.store.portfolios import check_portfolio
    from monitor.store.snapshots import attribution_window

    settings = state_of(ctx).settings
    zone = ZoneInfo(settings.timezone)
    window = parse_window(since, until, zone=zone, names=("--since", "--until"))
    with opened_session(settings) as session:
        check_portfolio(session=session, portfolio_id=portfolio, configured=settings.portfolio_ids)
        first, last = attribution_window(
            session=session, portfolio_id=portfolio, since=window.since, until=window.until
        )
    result = attribute(first.valuation(), last.valuation())
    if output is AttributionFormat.json:
        out.file.write(attribution_json(result, zone) + "\n")
    else:
        out.print(attribution_table(result, zone))
