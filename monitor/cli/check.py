"""``allocation-monitor check``: a stateless report and rebalancing plan from a holdings file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from monitor.api.exact_json import exact_json
from monitor.api.schemas.allocation import calculate_response
from monitor.cli.app import app, out, state_of
from monitor.cli.render import report_table
from monitor.domain.allocation import (
    Holding,
    Targets,
    compute_allocation,
    parse_targets,
    to_decimal,
)
from monitor.domain.bands import TOLERANCE_MEANING
from monitor.domain.plans import PlanRequest, plan_buy_only, plan_rebalancing
from monitor.errors import InputError
from monitor.settings import EntryConfig, Settings
from monitor.sources import read_holdings_file

ACCOUNTS_LISTED = 5  # named in the error when a file holds several


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


class PlanModeOption(StrEnum):
    buy_and_sell = "buy_and_sell"
    buy_only = "buy_only"
    sell_only = "sell_only"


class PlanTradeOption(StrEnum):
    all = "all"
    breaching = "breaching"


class DriftRuleOption(StrEnum):
    either = "either"
    hybrid = "hybrid"


class RebalanceToOption(StrEnum):
    target = "target"
    band_edge = "band_edge"


def decimal_option(raw: str | None, name: str, *, most: Decimal | None = None) -> Decimal | None:
    if raw is None:
        return None
    number = to_decimal(raw, name)
    if most is not None and not 0 < number <= most:
        raise InputError(name, f"must be above 0 and at most {most}, got {raw}")
    return number


@contextmanager
def named_as_options() -> Iterator[None]:
    """An ``InputError`` raised inside names the option (``--min-trade``), not the engine's
    field (``min_trade``)."""
    try:
        yield
    except InputError as error:
        raise InputError(f"--{error.field.replace('_', '-')}", error.problem) from None


def targets_option(raw: str) -> Targets:
    try:
        found = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InputError("--targets", f"invalid JSON: {error.msg}") from None
    if not isinstance(found, dict):
        raise InputError("--targets", "expected a JSON object of class: percent")
    return parse_targets(found, "--targets")


def listed(names: list[str]) -> str:
    shown = ", ".join(names[:ACCOUNTS_LISTED])
    more = len(names) - ACCOUNTS_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def one_account(held: list[Holding], account: str | None, path: Path) -> list[Holding]:
    """The holdings of ``account``; without one, of the file's only portfolio. Several
    accounts are several portfolios: merged, their report would be nobody's."""
    named = sorted({h.account for h in held if h.account is not None})
    if account is not None:
        if not named:
            raise InputError(
                "--account", f"{path} has no account column; leave out --account {account}"
            )
        held = [h for h in held if h.account == account]
        if not held:
            raise InputError(
                "--account",
                f"{path} has no account {account!r}; its accounts: {listed(named)}",
            )
        return held
    if len(named) > 1:
        raise InputError(
            "--account",
            f"{path} holds {len(named)} accounts ({listed(named)}); choose one with --account",
        )
    if named and any(h.account is None for h in held):
        raise InputError("--holdings", f"{path}: some holdings name an account and others do not")
    return held


def configured(settings: Settings, portfolio: str | None) -> EntryConfig:
    """Targets, drift policy and plan settings: a configured portfolio's, or the defaults."""
    return settings.default_config if portfolio is None else settings.entry_config(portfolio)


@app.command()
def check(
    ctx: typer.Context,
    holdings: Path = typer.Option(
        ...,
        "--holdings",
        "-H",
        help="Holdings file: .json (the seed's shape), .yaml / .yml or .csv.",
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
        None,
        help='Targets as JSON, e.g. \'{"stocks": 60, "bonds": 40}\' or with a band '
        '\'{"stocks": {"target": 60, "min": 55, "max": 66}, "bonds": 40}\'; default from config.',
    ),
    portfolio: str | None = typer.Option(
        None,
        "--portfolio",
        "-p",
        help="Use this configured portfolio's targets, thresholds and plan settings.",
    ),
    mode: PlanModeOption | None = typer.Option(
        None,
        help="Plan mode: buy_and_sell (default), buy_only (invest --cash, never sell), "
        "sell_only (raise --raise-cash, never buy).",
    ),
    cash: str | None = typer.Option(
        None,
        metavar="AMOUNT",
        help="New cash for the plan to invest (the JSON also has a buy-only plan for it).",
    ),
    raise_cash: str | None = typer.Option(
        None, "--raise-cash", metavar="AMOUNT", help="sell_only: the cash to raise."
    ),
    trade: PlanTradeOption | None = typer.Option(
        None,
        help="Which classes the plan trades: all (default: what breaching classes free or "
        "need is levelled over the others) or breaching (none inside its band).",
    ),
    min_trade: str | None = typer.Option(
        None,
        "--min-trade",
        metavar="AMOUNT",
        help="Leave out trades below this; a breach needing a smaller trade is not one.",
    ),
    drift_rule: DriftRuleOption | None = typer.Option(
        None,
        "--drift-rule",
        help="either: breach at the threshold or the relative one, whichever comes first "
        "(5/25); hybrid: beyond max(relative x target, --hybrid-floor).",
    ),
    hybrid_floor: str | None = typer.Option(
        None,
        "--hybrid-floor",
        metavar="PP",
        help="--drift-rule hybrid: the narrowest band, in percentage points (default 1).",
    ),
    rebalance_to: RebalanceToOption | None = typer.Option(
        None,
        "--rebalance-to",
        help="Trade a breaching class back to its target, or only to its band's edge.",
    ),
    tolerance: str | None = typer.Option(
        None,
        metavar="FRACTION",
        help=f"--rebalance-to band_edge: {TOLERANCE_MEANING} (default 0.5).",
    ),
    account: str | None = typer.Option(
        None, help="The account to check, in a file holding several (an account column)."
    ),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", "-f"),
) -> None:
    """Report drift from target for a holdings file, and a plan to rebalance it.

    Exit status: 0 in band, 1 rebalancing needed, 2 bad input.
    """
    settings = state_of(ctx).settings
    config = configured(settings, portfolio)
    goal, policy, plan_settings = config.targets, config.policy, config.plan
    held = one_account(read_holdings_file(holdings), account, holdings)
    if targets is not None:
        goal = targets_option(targets)
    given_threshold = decimal_option(threshold, "--threshold", most=Decimal(100))
    given_relative = decimal_option(relative_threshold, "--relative-threshold", most=Decimal(1))
    given: dict[str, Any] = {
        "threshold": given_threshold,
        "relative_threshold": given_relative,
        "min_trade": decimal_option(min_trade, "--min-trade"),
        "drift_rule": None if drift_rule is None else drift_rule.value,
        "hybrid_floor": decimal_option(hybrid_floor, "--hybrid-floor"),
        "rebalance_to": None if rebalance_to is None else rebalance_to.value,
        "tolerance": None if tolerance is None else to_decimal(tolerance, "--tolerance"),
    }
    with named_as_options():
        policy = policy.overridden(**given)
    with named_as_options():
        report = compute_allocation(
            held, goal, policy, decimal_option(portfolio_value, "--portfolio-value")
        )
    new_cash = decimal_option(cash, "--cash")
    given_raise = decimal_option(raise_cash, "--raise-cash")
    # The configured plan, as the daemon's alerts make it; the cash it names belongs to its
    # mode, so --mode starts from none.
    request = plan_settings.request() if mode is None else PlanRequest(mode.value)
    request = replace(
        request,
        cash=request.cash if new_cash is None else new_cash,
        raise_cash=request.raise_cash if given_raise is None else given_raise,
        trade=request.trade if trade is None else trade.value,
    )
    with named_as_options():
        plan = plan_rebalancing(report, request)
    if output is ReportFormat.json:
        buy_only = plan_buy_only(report, new_cash) if new_cash is not None else None
        response = calculate_response(report, datetime.now(UTC), plan, buy_only)
        out.file.write(exact_json(response, indent=2) + "\n")
    else:
        out.print(report_table(report, plan))
    if report.needs_rebalancing:
        raise typer.Exit(1)
