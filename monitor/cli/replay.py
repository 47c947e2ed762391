"""``allocation-monitor replay``: what a policy would have sent over the stored history, and
several policies side by side. Reads the store; writes nothing."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from monitor.cli.alerts import local
from monitor.cli.app import app, out, state_of
from monitor.domain.history import parse_window
from monitor.domain.numbers import round2
from monitor.replay_presets import PRESETS

if TYPE_CHECKING:  # what running the command takes is imported in its body (see __init__)
    from monitor.api.schemas.replay import ReplayOut, ReplayResponse


class ReplayFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


LOG_ROWS = 50  # a table lists this many alerts; --format json and csv give them all
FIGURES = (
    ("Accounts", "accounts"),
    ("Snapshots", "snapshots"),
    ("Alerts", "alerts"),
    ("  first alerts", "first_alerts"),
    ("  escalations", "escalations"),
    ("  reminders", "reminders"),
    ("  resolved", "resolved"),
    ("Rebalances advised", "rebalances"),
    ("Turnover", "turnover"),
    ("Days out of band", "days_out_of_band"),
    ("Largest drift let stand (pp)", "largest_drift_let_stand"),
)


@app.command("replay")
def replay_command(
    ctx: typer.Context,
    portfolio: str = typer.Option(
        ..., "--portfolio", "-p", help="A portfolio, an account, or an entry (all its accounts)."
    ),
    since: str | None = typer.Option(None, metavar="DATE", help="From this date or time."),
    until: str | None = typer.Option(None, metavar="DATE", help="Up to (exclusive)."),
    threshold: str | None = typer.Option(None, help="Absolute band, pp."),
    relative_threshold: str | None = typer.Option(None, help="Relative band (0.25: 25%)."),
    rule: str | None = typer.Option(None, help="either (the 5/25 rule) or hybrid."),
    hybrid_floor: str | None = typer.Option(None, help="The hybrid rule's narrowest band, pp."),
    rebalance_to: str | None = typer.Option(None, help="target or band_edge."),
    tolerance: str | None = typer.Option(None, help="band_edge: share of the band, 0 to 1."),
    cooldown: str | None = typer.Option(None, help="Between reminders: 24h, 7d, 30d."),
    escalation_step: str | None = typer.Option(None, help="Drift growth that escalates, pp."),
    name: str | None = typer.Option(None, help="What to call this policy in the output."),
    compare: list[str] = typer.Option(
        [],
        "--compare",
        metavar="POLICY",
        help=f"Another policy to replay: a preset ({', '.join(PRESETS)}) or TOML "
        "('threshold = 3'); repeat it for more.",
    ),
    output: ReplayFormat = typer.Option(ReplayFormat.table, "--format", "-f"),
) -> None:
    """Replay the alert policy and the plan over stored snapshots, in order, as the daemon
    would have run them: the alerts it would have sent, the rebalances it would have
    advised and their turnover, the days out of band and the largest drift let stand.
    Without options, the portfolio's own policy; options change its keys."""
    settings = state_of(ctx).settings
    zone = ZoneInfo(settings.timezone)
    window = parse_window(since, until, zone=zone, names=("--since", "--until"))
    given = {
        "threshold": threshold,
        "relative_threshold": relative_threshold,
        "drift_rule": rule,
        "hybrid_floor": hybrid_floor,
        "rebalance_to": rebalance_to,
        "tolerance": tolerance,
        "cooldown": cooldown,
        "escalation_step": escalation_step,
        "name": name,
    }
    from monitor.api.exact_json import exact_json
    from monitor.api.schemas.replay import run_replay
    from monitor.cli.store_access import opened_session
    from monitor.settings.replay_policies import changes_of

    changes = changes_of({key: value for key, value in given.items() if value is not None})
    with opened_session(settings) as session:
        found = run_replay(
            session=session,
            settings=settings,
            portfolio_id=portfolio,
            window=window,
            changes=changes,
            compare=compare,
        )
    if output is ReplayFormat.json:
        out.file.write(exact_json(found, indented=True) + "\n")
    elif output is ReplayFormat.csv:
        out.file.write(replay_csv(found))
    else:
        out.print(replay_table(found, zone))


def figure(replayed: ReplayOut, name: str) -> str:
    value = getattr(replayed, name)
    return str(value) if isinstance(value, int) else f"{round2(value):,}"


def replay_csv(found: ReplayResponse) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["policy", *(name for _, name in FIGURES)])
    for replayed in found.replays:
        writer.writerow([replayed.policy.name, *(figure_csv(replayed, n) for _, n in FIGURES)])
    return buffer.getvalue()


def figure_csv(replayed: ReplayOut, name: str) -> str:
    value = getattr(replayed, name)
    return str(value) if isinstance(value, int) else str(round2(value))


def replay_table(found: ReplayResponse, zone: ZoneInfo) -> RenderableType:
    side_by_side = Table(
        title=f"Replay of {found.portfolio_id}", title_justify="left", box=box.SIMPLE_HEAD
    )
    side_by_side.add_column("")
    for replayed in found.replays:
        side_by_side.add_column(Text(replayed.policy.name), justify="right")
    for label, name in FIGURES:
        side_by_side.add_row(label, *(figure(r, name) for r in found.replays))
    parts: list[RenderableType] = [side_by_side]
    if len(found.replays) == 1:
        parts.append(alert_log(found.replays[0], zone))
    if any(r.accounts > 1 for r in found.replays):
        parts += [worst_accounts(r) for r in found.replays]
    return Group(*parts)


def alert_log(replayed: ReplayOut, zone: ZoneInfo) -> RenderableType:
    if not replayed.alert_log:
        return Text("No alert would have been sent.")
    shown = replayed.alert_log[:LOG_ROWS]
    more = len(replayed.alert_log) - len(shown)
    table = Table(
        title="Alerts it would have sent"
        + (f" (the first {LOG_ROWS}; {more} more in --format json)" if more else ""),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for name in ("When", "Portfolio", "Kind", "Worst drift pp", "Turnover"):
        table.add_column(name, justify="right" if name[0] in "WT" and name != "When" else "left")
    for alert in shown:
        table.add_row(
            local(alert.at, zone, seconds=False),
            Text(alert.portfolio_id),
            alert.kind + (f" ({', '.join(alert.new_classes)})" if alert.new_classes else ""),
            f"{round2(alert.worst_drift)}",
            f"{round2(alert.turnover):,}" if alert.turnover else "",
        )
    return table


def worst_accounts(replayed: ReplayOut) -> Table:
    table = Table(
        title=f"{replayed.policy.name}: the accounts longest out of band",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for name in ("Account", "Days out of band", "Alerts", "Turnover", "Let stand pp"):
        table.add_column(name, justify="left" if name == "Account" else "right")
    for a in replayed.worst_accounts:
        table.add_row(
            Text(a.portfolio_id),
            f"{round2(a.days_out_of_band)}",
            str(a.alerts),
            f"{round2(a.turnover):,}",
            f"{round2(a.largest_drift_let_stand)}",
        )
    return table
