"""``allocation-monitor alerts``: the notifications ticks decided; one whole; a dead one retried."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from monitor.api.exact_json import exact_json
from monitor.cli.app import app, out, state_of
from monitor.errors import DeliveryError
from monitor.store.limits import LARGEST_ID

if TYPE_CHECKING:
    from monitor.api.schemas.alerts import AlertDetail
    from monitor.settings import Settings

alerts_app = typer.Typer(help="Notifications decided by ticks: pending, sent and dead.")
app.add_typer(alerts_app, name="alerts")


class Status(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"


class Format(StrEnum):
    table = "table"
    json = "json"


FORMAT = typer.Option(Format.table, "--format", "-f", help="table or json.")
ALERT_ID = typer.Argument(
    ..., metavar="ID", min=1, max=LARGEST_ID, help="The alert's id (see `alerts`)."
)


def local(moment: datetime | None, zone: ZoneInfo, *, seconds: bool = True) -> str:
    shape = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return "" if moment is None else moment.astimezone(zone).strftime(shape)


@alerts_app.callback(invoke_without_command=True)
def alerts(
    ctx: typer.Context,
    status: Status | None = typer.Option(None, "--status", "-s", help="Only alerts in it."),
    portfolio: str | None = typer.Option(
        None, "--portfolio", "-p", help="A portfolio, account or entry (its digests too)."
    ),
    limit: int = typer.Option(
        50, "--limit", "-n", min=1, max=LARGEST_ID, help="At most this many."
    ),
    output: Format = FORMAT,
) -> None:
    """The newest notifications: when, what, and how their delivery went."""
    if ctx.invoked_subcommand is not None:
        return
    from monitor.api.schemas.alerts import alert_out
    from monitor.cli.store_access import opened_session
    from monitor.store.outbox import list_notifications
    from monitor.store.portfolios import check_portfolio

    settings = state_of(ctx).settings
    with opened_session(settings) as session:
        if portfolio is not None:
            check_portfolio(
                session=session, portfolio_id=portfolio, configured=settings.portfolio_ids
            )
        items = list_notifications(
            session=session,
            portfolio_id=portfolio,
            status=None if status is None else status.value,
            limit=limit,
        )
    listed = [alert_out(item) for item in items]
    if output is Format.json:
        out.file.write(exact_json([a.model_dump() for a in listed], indented=True) + "\n")
        return
    if not listed:
        out.print("No alerts match.", markup=False)
        return
    zone = ZoneInfo(settings.timezone)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("ID", "Created", "Portfolio", "Kind", "Status", "Tries"):
        table.add_column(name, justify="right" if name in ("ID", "Tries") else "left", no_wrap=True)
    table.add_column("Title", overflow="fold")
    for a in listed:
        title = Text(a.title)
        if a.last_error and a.status != "sent":
            title.append(f"\nlast error: {a.last_error}", style="dim")
        table.add_row(
            str(a.id),
            local(a.created_at, zone, seconds=False),
            a.portfolio_id,
            a.kind,
            a.status,
            str(a.attempts),
            title,
        )
    out.print(table)


@alerts_app.command("show")
def show(ctx: typer.Context, alert_id: int = ALERT_ID, output: Format = FORMAT) -> None:
    """One alert whole: its message, every account of a digest, every delivery attempt."""
    from monitor.api.schemas.alerts import alert_detail
    from monitor.cli.store_access import opened_session
    from monitor.store.outbox import attempts_of, get_notification

    settings = state_of(ctx).settings
    with opened_session(settings) as session:
        item = get_notification(session=session, notification_id=alert_id)
        detail = alert_detail(item, attempts_of(session=session, notification_id=alert_id))
    if output is Format.json:
        out.file.write(exact_json(detail, indented=True) + "\n")
        return
    out.print(describe(detail, settings))


def describe(detail: AlertDetail, settings: Settings) -> RenderableType:
    zone = ZoneInfo(settings.timezone)
    facts = [
        ("Alert", f"{detail.id}: {detail.kind}, {detail.status}"),
        ("Title", detail.title),
        ("Portfolio", f"{detail.portfolio_id} (routed as {detail.route})"),
        ("Created", local(detail.created_at, zone)),
        ("Attempts", f"{detail.attempts}; {detail.delivered_targets} target(s) took it"),
    ]
    if detail.sent_at is not None:
        facts.append(("Sent", local(detail.sent_at, zone)))
    if detail.next_attempt_at is not None:
        facts.append(("Next try", local(detail.next_attempt_at, zone)))
    if detail.last_error:
        facts.append(("Last error", detail.last_error))
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold")
    header.add_column()
    for name, value in facts:
        header.add_row(name, Text(value))
    parts: list[RenderableType] = [header, Text("")]
    if detail.kind == "digest":
        parts.append(accounts_table(detail))
    else:
        parts.append(Text(message_text(detail, settings)))
    if detail.attempt_log:
        parts += [Text(""), attempts_table(detail, zone)]
    return Group(*parts)


def message_text(detail: AlertDetail, settings: Settings) -> str:
    """The text body, as the current templates render it."""
    from monitor.notify.routing import notify_for_route, render_for

    notify = notify_for_route(settings, detail.route)
    try:
        return render_for(
            detail.payload, notify, alert_id=detail.id, public_url=settings.api.public_url
        ).body_text
    except DeliveryError as error:
        return f"(the message cannot be rendered: {error})"


def accounts_table(detail: AlertDetail) -> Table:
    table = Table(
        title=f"{len(detail.accounts)} account(s), worst drift first",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for title in ("Account", "Status", "Worst drift pp", "Out of band"):
        table.add_column(title, justify="right" if title.startswith("Worst") else "left")
    for account in detail.accounts:
        table.add_row(
            account.portfolio_id,
            account.status,
            f"{account.worst_drift:.2f}",
            "\n".join(account.alerts) or "-",
        )
    return table


def attempts_table(detail: AlertDetail, zone: ZoneInfo) -> Table:
    table = Table(title="Delivery attempts", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Time", no_wrap=True)
    table.add_column("Target", overflow="fold")
    table.add_column("Outcome", no_wrap=True)
    table.add_column("Error", overflow="fold")
    for attempt in detail.attempt_log:
        table.add_row(
            local(attempt.attempted_at, zone),
            Text(attempt.target),
            attempt.outcome,
            Text(attempt.error or ""),
        )
    return table


@alerts_app.command("retry")
def retry(ctx: typer.Context, alert_id: int = ALERT_ID) -> None:
    """Put a dead alert back to pending with a fresh attempt budget; the running daemon
    sends it at its next drain. Targets that took it before are not sent it again."""
    from monitor.cli.store_access import opened_engine
    from monitor.store.engine import session_factory
    from monitor.store.migrate import require_current
    from monitor.store.outbox import requeue_dead
    from monitor.store.transactions import write_transaction

    settings = state_of(ctx).settings
    with opened_engine(settings) as engine:
        require_current(engine)
        with write_transaction(session_factory(engine)) as session:
            item = requeue_dead(session=session, notification_id=alert_id, now=datetime.now(UTC))
    out.print(
        f"Alert {item.id} ({item.kind}, {item.portfolio_id}) is pending again; "
        "the running daemon sends it at its next drain "
        f"(every {settings.notify.drain_every.total_seconds():g}s).",
        markup=False,
        soft_wrap=True,
    )
