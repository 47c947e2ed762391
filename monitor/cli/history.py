"""``allocation-monitor history``: a portfolio's stored snapshots, and pruning old ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.table import Table

from monitor.cli.app import app, out, state_of
from monitor.cli.render import pct
from monitor.domain.allocation import round2
from monitor.domain.history import (
    HistoryRow,
    currency_columns,
    history_csv,
    history_rows,
    parse_window,
)
from monitor.domain.numbers import money_text
from monitor.errors import InputError

history_app = typer.Typer(help="A portfolio's stored history, and pruning it.")
app.add_typer(history_app, name="history")

SINCE_HELP = "From this date or time (inclusive), in the configured timezone."
UNTIL_HELP = "Up to this date (inclusive) or time (exclusive), in the configured timezone."


class HistoryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def history_table(columns: list[str], rows: list[HistoryRow]) -> Table:
    """A row per snapshot; in a base currency, the value names it, and a column per
    currency gives the share held in it."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Time")
    for title in ("Value", "Total drift pp", "Rebalance"):
        table.add_column(title, justify="right")
    for name in columns:
        table.add_column(name, justify="right")
    currencies = currency_columns(rows)
    for code in currencies:
        table.add_column(f"{code} %", justify="right")
    for row in rows:
        value = money_text(row.portfolio_value)
        table.add_row(
            row.taken_at.strftime("%Y-%m-%d %H:%M %Z"),
            value if row.currency is None else f"{row.currency} {value}",
            pct(row.total_drift),
            "yes" if row.needs_rebalancing else "no",
            *("" if (d := row.drifts[name]) is None else f"{round2(d):+.2f}" for name in columns),
            *("" if (p := row.shares.get(code)) is None else pct(p) for code in currencies),
        )
    return table


def history_json(rows: list[HistoryRow]) -> str:
    from monitor.api.exact_json import exact_json

    def number(value: Decimal | None) -> Decimal | None:
        return None if value is None else round2(value)

    def currencies(row: HistoryRow) -> dict[str, object]:
        """In a base currency, which, and the share held in each (none: as before)."""
        if row.currency is None:
            return {}
        shares = {code: number(percent) for code, percent in row.shares.items()}
        return {"currency": row.currency, "currency_exposure": shares}

    return exact_json(
        [
            {
                "taken_at": row.taken_at.isoformat(),
                "portfolio_value": number(row.portfolio_value),
                "total_drift": number(row.total_drift),
                "needs_rebalancing": row.needs_rebalancing,
                "drifts": {name: number(drift) for name, drift in row.drifts.items()},
                **currencies(row),
            }
            for row in rows
        ],
        indented=True,
    )


@history_app.callback(invoke_without_command=True)
def history(
    ctx: typer.Context,
    portfolio: str | None = typer.Option(None, "--portfolio", "-p", help="Portfolio id."),
    since: str | None = typer.Option(None, metavar="DATE", help=SINCE_HELP),
    until: str | None = typer.Option(None, metavar="DATE", help=UNTIL_HELP),
    asset_class: str | None = typer.Option(
        None, "--class", metavar="NAME", help="Show only this asset class's drift."
    ),
    output: HistoryFormat = typer.Option(HistoryFormat.table, "--format", "-f"),
) -> None:
    """One row per snapshot: time, value, total drift, whether to rebalance, drift per class."""
    if ctx.invoked_subcommand is not None:
        return
    if portfolio is None:
        raise InputError("--portfolio", "which portfolio? Give --portfolio ID")
    from monitor.cli.store_access import opened_session
    from monitor.store.portfolios import check_portfolio
    from monitor.store.snapshots import list_snapshots

    settings = state_of(ctx).settings
    zone = ZoneInfo(settings.timezone)
    window = parse_window(since, until, zone=zone, names=("--since", "--until"))
    with opened_session(settings) as session:
        check_portfolio(session=session, portfolio_id=portfolio, configured=settings.portfolio_ids)
        snapshots = list_snapshots(
            session=session,
            portfolio_id=portfolio,
            since=window.since,
            until=window.until,
            limit=None,
        ).items
    columns, rows = history_rows(
        snapshots,
        zone=zone,
        asset_class=asset_class,
        field="--class",
        base_currency=settings.base_currency_of(portfolio),
    )
    if output is HistoryFormat.csv:
        out.file.write(history_csv(columns, rows))
    elif output is HistoryFormat.json:
        out.file.write(history_json(rows) + "\n")
    elif rows:
        out.print(history_table(columns, rows))
    else:
        out.print(f"No snapshots of {portfolio} in that period.", markup=False, soft_wrap=True)


@history_app.command("prune")
def prune(
    ctx: typer.Context,
    older_than: str | None = typer.Option(
        None,
        metavar="AGE",
        help="Delete snapshots older than this (at least 1d, e.g. 400d); default "
        "history.retention.",
    ),
) -> None:
    """Delete old snapshots, ticks, sent or dead notifications, ended silences,
    acknowledgements and held-back notices; each portfolio's latest snapshot and newest
    acknowledgement, and every pending notification, are always kept."""
    from monitor.cli.store_access import opened_session
    from monitor.store.retention import prune_history

    settings = state_of(ctx).settings
    age = retention_of(older_than, settings.history.retention)
    now = datetime.now(UTC)
    with opened_session(settings) as session:
        result = prune_history(session=session, older_than=age, now=now)
        session.commit()
    cutoff = (now - age).astimezone(ZoneInfo(settings.timezone))
    out.print(
        f"Pruned {result.snapshots} snapshot(s), {result.ticks} tick(s), "
        f"{result.notifications} sent or dead notification(s), {result.silences} ended "
        f"silence(s), {result.acknowledgements} acknowledgement(s) and {result.suppressed} "
        f"held-back notice(s) from before {cutoff:%Y-%m-%d %H:%M %Z}; each portfolio's "
        "latest snapshot and newest acknowledgement, and every pending notification, are kept.",
        markup=False,
        soft_wrap=True,
    )


def retention_of(raw: str | None, configured: timedelta | None) -> timedelta:
    from monitor.settings.types import check_retention, parse_duration

    if raw is None:
        if configured is None:
            raise InputError(
                "--older-than", "give an age such as 400d (history.retention is unset)"
            )
        return configured
    try:
        age = parse_duration(raw)
        assert isinstance(age, timedelta)  # text always parses to a duration, or raises
        return check_retention(age)
    except ValueError as error:
        raise InputError("--older-than", str(error)) from None
