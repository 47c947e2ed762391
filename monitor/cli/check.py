"""``allocation-monitor check``: a stateless report and rebalancing plan from a holdings file."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monitor.cli.app import app, out, state_of
from monitor.cli.check_options import (
    DriftRuleOption,
    PlanModeOption,
    PlanTradeOption,
    RebalanceToOption,
    ReportFormat,
    check_rates,
    currency_option,
    decimal_option,
    named_as_options,
    one_account,
    plan_request,
    policy_from_options,
    targets_option,
)
from monitor.cli.render import report_table
from monitor.domain.allocation import AllocationReport, compute_allocation
from monitor.domain.bands import TOLERANCE_MEANING
from monitor.domain.plans import RebalancingPlan, plan_buy_only, plan_rebalancing

if TYPE_CHECKING:
    from monitor.settings import EntryConfig, Settings


def configured(settings: Settings, portfolio: str | None) -> EntryConfig:
    """Targets, drift policy and plan settings: a configured portfolio's, or the defaults."""
    return settings.default_config if portfolio is None else settings.entry_config(portfolio)


def show(
    report: AllocationReport, plan: RebalancingPlan, output: ReportFormat, cash: Decimal | None
) -> None:
    """The report and its plan as a table, or as ``/calculate`` answers (its buy-only plan
    for ``--cash`` too)."""
    if output is ReportFormat.json:
        from monitor.api.exact_json import exact_json
        from monitor.api.schemas.calculate_response import calculate_response

        buy_only = plan_buy_only(report, cash) if cash is not None else None
        response = calculate_response(report, datetime.now(UTC), plan, buy_only)
        out.file.write(exact_json(response, indented=True) + "\n")
    else:
        out.print(report_table(report, plan))


@app.command()
def check(
    ctx: typer.Context,
    holdings: Path = typer.Option(
        ...,
        "--holdings",
        "-H",
        help="Holdings file: .json (the seed's shape), .yaml / .yml, .csv (or a broker's "
        "export), .ofx / .qfx or .beancount.",
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
    base_currency: str | None = typer.Option(
        None,
        "--base-currency",
        metavar="CODE",
        help="The currency to report in (default from config); holdings in others are converted.",
    ),
    fx_rates: Path | None = typer.Option(
        None,
        "--fx-rates",
        metavar="FILE",
        help="Exchange rates: pair,rate lines (EURUSD,1.0842), a JSON object of them, or "
        "the ECB's eurofxref file; default: the configured [fx] source.",
    ),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", "-f"),
) -> None:
    """Report drift from target for a holdings file, and a plan to rebalance it.

    Exit status: 0 in band, 1 rebalancing needed, 2 bad input.
    """
    from monitor.sources import read_holdings_file

    config = configured(state_of(ctx).settings, portfolio)
    held = config.classifier.classify(one_account(read_holdings_file(holdings), account, holdings))
    goal = config.targets if targets is None else targets_option(targets)
    policy = policy_from_options(
        config.policy,
        threshold=threshold,
        relative_threshold=relative_threshold,
        min_trade=min_trade,
        drift_rule=drift_rule,
        hybrid_floor=hybrid_floor,
        rebalance_to=rebalance_to,
        tolerance=tolerance,
    )
    base = config.base_currency if base_currency is None else currency_option(base_currency)
    rates = check_rates(state_of(ctx).settings.fx, held, base, fx_rates)
    with named_as_options():
        report = compute_allocation(
            held,
            goal,
            policy,
            decimal_option(portfolio_value, "--portfolio-value"),
            base_currency=base,
            rates=rates,
            currency_targets=config.currency_targets,
        )
    new_cash = decimal_option(cash, "--cash")
    request = plan_request(
        config.plan, mode, new_cash, decimal_option(raise_cash, "--raise-cash"), trade
    )
    with named_as_options():
        plan = plan_rebalancing(report, request)
    show(report, plan, output, new_cash)
    if report.needs_rebalancing:
        raise typer.Exit(1)
