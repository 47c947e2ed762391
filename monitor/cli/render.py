"""How reports and plans look on a terminal: aligned tables built with rich."""

from __future__ import annotations

from decimal import Decimal

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from monitor.domain.allocation import AllocationReport, ClassAllocation, round2
from monitor.domain.numbers import money_text, price_text, shares_text
from monitor.domain.plans import RebalancingPlan, Trade


def pct(value: Decimal) -> str:
    return f"{round2(value):.2f}"


def short(percent: Decimal) -> str:
    """``45.00`` -> ``45``, ``10.50`` -> ``10.5``: band edges, compactly."""
    return f"{round2(percent).normalize():f}"


def status_of(c: ClassAllocation) -> str:
    if c.breach:
        return f"REBALANCE ({c.breach})"
    if c.below_minimum:
        return f"ok (below min trade; {c.rule_fired})"
    return "ok"


def report_table(report: AllocationReport, plan: RebalancingPlan | None = None) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for title in ("Class", "Value", "Current %", "Target %", "Band", "Target value"):
        table.add_column(title, justify="left" if title == "Class" else "right")
    table.add_column("Difference", justify="right")
    table.add_column("Drift pp", justify="right")
    table.add_column("Status", no_wrap=True)
    for c in report.classes:
        table.add_row(
            "  " * c.asset_class.count("/") + c.asset_class,  # sub-classes indented
            money_text(c.current_value),
            pct(c.current_percent),
            pct(c.target_percent),
            f"{short(c.band_lower)}-{short(c.band_upper)}",
            money_text(c.target_value),
            money_text(c.difference),
            f"{round2(c.drift):+.2f}",
            status_of(c),
        )
    currency = "" if report.base_currency is None else f" {report.base_currency}"
    parts: list[RenderableType] = [
        Text(
            f"Portfolio value{currency} {money_text(report.portfolio_value)}   "
            f"holdings {money_text(report.holdings_value)}   "
            f"unallocated {money_text(report.unallocated_value)}"
        ),
        table,
    ]
    if report.currency_exposure:
        parts.append(exposure_table(report))
    verdict = "rebalancing needed" if report.needs_rebalancing else "in band"
    parts.append(Text(f"Total drift {pct(report.total_drift)} pp: {verdict} ({rule_text(report)})"))
    if report.policy.rebalance_to == "band_edge" and report.actions:
        parts.append(
            Text(
                f"To the band edge (tolerance {report.policy.tolerance:.2f} of the way from "
                "target to the edge):"
            )
        )
        parts.extend(
            Text(
                f"  {a.action:<4} {a.asset_class:<14} {money_text(a.amount_to_band_edge):>16}"
                f"   (to target {money_text(a.amount_to_target)})"
            )
            for a in report.actions
        )
    if plan is not None and (plan.actions or plan.below_minimum or plan.unresolved):
        parts.extend(plan_lines(plan))
    return Group(*parts)


def exposure_table(report: AllocationReport) -> RenderableType:
    """The share held in each currency, in the base and its own, with the rates used."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Currency exposure")
    targeted = any(e.target_percent is not None for e in report.currency_exposure)
    titles = ["Currency", f"Value {report.base_currency}", "Native value", "Current %"]
    titles += ["Target %", "Drift pp", "Status"] if targeted else []
    for title in titles:
        table.add_column(title, justify="left" if title in ("Currency", "Status") else "right")
    for e in report.currency_exposure:
        row = [e.currency, money_text(e.value), money_text(e.native_value), pct(e.percent)]
        if targeted:
            row += [
                "" if e.target_percent is None else pct(e.target_percent),
                "" if e.drift is None else f"{round2(e.drift):+.2f}",
                "ok" if e.breach is None else f"REBALANCE ({e.breach})",
            ]
        table.add_row(*row)
    rates = "   ".join(
        f"{r.pair} {r.rate.normalize():f}" + ("" if r.as_of is None else f" ({r.as_of})")
        for r in report.fx_rates
    )
    return Group(table, Text(f"Rates: {rates}")) if rates else table


def rule_text(report: AllocationReport) -> str:
    policy = report.policy
    relative = policy.relative_threshold
    if policy.drift_rule == "hybrid" and relative is not None:
        rule = f"band max({relative * 100:.0f}% of target, {pct(policy.hybrid_floor)} pp)"
    else:
        rule = f"threshold {pct(policy.threshold)} pp"
        if relative is not None:
            rule += f" or {relative * 100:.0f}% of target"
    if policy.min_trade > 0:
        rule += f"; min trade {money_text(policy.min_trade)}"
    return rule


def plan_lines(plan: RebalancingPlan) -> list[Text]:
    only = ", breaching classes only" if plan.trade == "breaching" else ""
    head = f"Plan ({plan.mode}{only}): buy {money_text(plan.bought)}, sell {money_text(plan.sold)}"
    if plan.cash:
        head += f", new cash {money_text(plan.cash)}"
    if plan.unallocated:
        head += f", unallocated {money_text(plan.unallocated)}"
    lines = [Text(f"{head}; cash left {money_text(plan.leftover)}")]
    for a in plan.actions:
        lines.append(
            Text(
                f"  {a.action:<4} {a.asset_class:<14} {money_text(a.amount):>16}"
                f"   {pct(a.current_percent)}% -> {pct(a.resulting_percent)}%"
            )
        )
        lines.extend(Text(f"         {trade_text(t)}") for t in a.trades)
    if plan.raise_cash:
        lines.append(
            Text(f"  raised {money_text(plan.sold)} of {money_text(plan.raise_cash)} requested")
        )
    if plan.below_minimum:
        lines.append(Text(f"Left out, below the minimum trade of {money_text(plan.min_trade)}:"))
        lines.extend(
            Text(f"  {s.side:<4} {s.symbol or s.asset_class:<14} {money_text(s.amount):>16}")
            for s in plan.below_minimum
        )
    if plan.unresolved:
        lines.append(Text("Still outside the band after the plan:"))
        lines.extend(
            Text(f"  {u.asset_class}: {round2(u.drift_after):+.2f} pp ({u.message})")
            for u in plan.unresolved
        )
    return lines


def trade_text(trade: Trade) -> str:
    if trade.shares is None or trade.price is None:
        return f"{trade.side.lower()} {trade.symbol} for {money_text(trade.amount)}"
    return (
        f"{trade.side.lower()} {shares_text(trade.shares)} {trade.symbol} "
        f"@ {price_text(trade.price)} = {money_text(trade.amount)}"
    )
