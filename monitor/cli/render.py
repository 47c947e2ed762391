"""How reports look on a terminal: aligned tables built with rich."""

from __future__ import annotations

from decimal import Decimal

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from monitor.allocation import AllocationReport, round2
from monitor.plans import BuyOnlyPlan


def money(value: Decimal) -> str:
    return f"{round2(value):,.2f}"


def pct(value: Decimal) -> str:
    return f"{round2(value):.2f}"


def report_table(report: AllocationReport, plan: BuyOnlyPlan | None = None) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for title in ("Class", "Value", "Current %", "Target %", "Target value", "Difference"):
        table.add_column(title, justify="left" if title == "Class" else "right")
    table.add_column("Drift pp", justify="right")
    table.add_column("Status")
    for c in report.classes:
        status = f"REBALANCE ({c.breach})" if c.breach else "ok"
        table.add_row(
            c.asset_class,
            money(c.current_value),
            pct(c.current_percent),
            pct(c.target_percent),
            money(c.target_value),
            money(c.difference),
            f"{round2(c.drift):+.2f}",
            status,
        )
    parts: list[RenderableType] = [
        Text(
            f"Portfolio value {money(report.portfolio_value)}   "
            f"holdings {money(report.holdings_value)}   "
            f"unallocated {money(report.unallocated_value)}"
        ),
        table,
    ]
    verdict = "rebalancing needed" if report.needs_rebalancing else "in band"
    rule = f"threshold {pct(report.policy.threshold)} pp"
    if report.policy.relative_threshold is not None:
        rule += f" or {report.policy.relative_threshold * 100:.0f}% of target"
    parts.append(Text(f"Total drift {pct(report.total_drift)} pp: {verdict} ({rule})"))
    if report.actions:
        parts.append(Text("Actions:"))
        parts.extend(
            Text(f"  {a.action:<4} {a.asset_class:<14} {money(a.amount):>16}")
            for a in report.actions
        )
    if plan is not None:
        parts.append(Text(f"Buy-only plan for new cash {money(plan.cash)}:"))
        parts.extend(
            Text(f"  {a.action:<4} {a.asset_class:<14} {money(a.amount):>16}") for a in plan.actions
        )
        parts.append(
            Text(
                f"  leftover {money(plan.leftover)}; total drift after "
                f"{pct(plan.total_drift_after)} pp"
            )
        )
    return Group(*parts)
