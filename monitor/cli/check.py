"""``allocation-monitor check``: a stateless report from a holdings file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import typer

from monitor.allocation import DriftPolicy, compute_allocation, parse_targets, to_decimal
from monitor.api.schemas import calculate_response
from monitor.cli.app import app, out, state_of
from monitor.cli.render import report_table
from monitor.errors import InputError
from monitor.plans import plan_buy_only
from monitor.sources import read_holdings_file


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


def decimal_option(raw: str | None, name: str, *, most: Decimal | None = None) -> Decimal | None:
    if raw is None:
        return None
    number = to_decimal(raw, name)
    if most is not None and not 0 < number <= most:
        raise InputError(name, f"must be above 0 and at most {most}, got {raw}")
    return number


@app.command()
def check(
    ctx: typer.Context,
    holdings: Path = typer.Option(
        ..., "--holdings", "-H", help="Holdings file: .json (the seed's shape) or .csv."
    ),
    portfolio_value: str | None = typer.Option(
        None,
        metavar="AMOUNT",
        help="Total value, when more than the holdings (the rest is unallocated).",
    ),
    threshold: str | None = typer.Option(
        None, metavar="PP", help="Drift threshold in percentage points."
    ),
    relative_threshold: str | None = typer.Option(
        None,
        metavar="FRACTION",
        help="Also breach beyond this fraction of a target (0.25 for the 5/25 rule).",
    ),
    targets: str | None = typer.Option(
        None, help='Targets as JSON, e.g. \'{"stocks": 60, "bonds": 40}\'; default from config.'
    ),
    cash: str | None = typer.Option(
        None, metavar="AMOUNT", help="New cash to invest: adds a buy-only plan."
    ),
    account: str | None = typer.Option(None, help="Only this account of a multi-account file."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", "-f"),
) -> None:
    """Report drift from target for a holdings file.

    Exit status: 0 in band, 1 rebalancing needed, 2 bad input.
    """
    settings = state_of(ctx).settings
    held = read_holdings_file(holdings)
    if account is not None:
        held = [h for h in held if h.account == account]
        if not held:
            raise InputError("--account", f"no holdings for account {account!r} in {holdings}")
    if targets is not None:
        try:
            raw_targets = json.loads(targets)
        except json.JSONDecodeError as error:
            raise InputError("--targets", f"invalid JSON: {error.msg}") from None
        if not isinstance(raw_targets, dict):
            raise InputError("--targets", "expected a JSON object of class: percent")
        target_percents = parse_targets(raw_targets, "--targets")
    else:
        target_percents = settings.targets
    given_threshold = decimal_option(threshold, "--threshold", most=Decimal(100))
    given_relative = decimal_option(relative_threshold, "--relative-threshold", most=Decimal(1))
    policy = DriftPolicy(
        threshold=settings.threshold if given_threshold is None else given_threshold,
        relative_threshold=settings.relative_threshold
        if given_relative is None
        else given_relative,
    )
    report = compute_allocation(
        held, target_percents, policy, decimal_option(portfolio_value, "--portfolio-value")
    )
    new_cash = decimal_option(cash, "--cash")
    plan = plan_buy_only(report, new_cash) if new_cash is not None else None
    if output is ReportFormat.json:
        response = calculate_response(report, datetime.now(UTC), plan)
        out.print_json(response.model_dump_json(), indent=2)
    else:
        out.print(report_table(report, plan))
    if report.needs_rebalancing:
        raise typer.Exit(1)
