"""``alerts silence``, ``alerts silences``, ``alerts expire``, ``alerts ack`` and
``alerts suppressed``: keeping the monitor quiet on purpose, and what it held back.

Who acted is the user running the command.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from monitor.api.exact_json import exact_json
from monitor.cli.alerts import ALERT_ID, FORMAT, Format, alerts_app, local
from monitor.cli.app import out, state_of
from monitor.store.limits import LARGEST_ID

if TYPE_CHECKING:  # what running a command takes is imported in its body (see __init__)
    from sqlalchemy.orm import Session

    from monitor.api.schemas.silences import SilenceOut
    from monitor.settings import Settings


def cli_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no user entry (a bare container)
        return "cli"


@contextmanager
def writing(settings: Settings) -> Iterator[Session]:
    from monitor.cli.store_access import opened_engine
    from monitor.store.engine import session_factory
    from monitor.store.migrate import require_current
    from monitor.store.transactions import write_transaction

    with opened_engine(settings) as engine:
        require_current(engine)
        with write_transaction(session_factory(engine)) as session:
            yield session


@alerts_app.command("silence")
def silence(
    ctx: typer.Context,
    portfolio: str = typer.Option(
        ..., "--portfolio", "-p", help="A portfolio, an account, or a glob (clients/*)."
    ),
    duration: str = typer.Option(..., "--for", help="How long from now: 90m, 24h, 7d, 2w."),
    comment: str = typer.Option(..., "--comment", "-m", help="Why; shown with the silence."),
    asset_class: str | None = typer.Option(None, "--class", help="Only this class."),
    all_notices: bool = typer.Option(
        False, "--all", help="Hold back first alerts and escalations too, not only reminders."
    ),
    output: Format = FORMAT,
) -> None:
    """Hold back reminders for the matching portfolios for a while. Escalations still go
    (unless --all); a resolved notice always goes; when the silence ends and the portfolio
    is still out of band, one reminder goes at once."""
    from monitor.api.schemas.silences import new_silence, silence_out
    from monitor.store.silences import add_silence

    settings = state_of(ctx).settings
    now = datetime.now(UTC)
    new = new_silence(
        portfolio=portfolio,
        duration=duration,
        comment=comment,
        asset_class=asset_class,
        all=all_notices,
        who=cli_user(),
        now=now,
    )
    with writing(settings) as session:
        record = add_silence(session=session, new=new, now=now, configured=settings.portfolio_ids)
    made = silence_out(record, now)
    if output is Format.json:
        out.file.write(exact_json(made, indented=True) + "\n")
        return
    zone = ZoneInfo(settings.timezone)
    out.print(
        f"Silence {made.id}: {record.silence.matcher.describe()} quiet until "
        f"{local(made.ends_at, zone, seconds=False)} "
        f"({'every notice but resolved' if made.all else 'reminders'}).",
        markup=False,
        soft_wrap=True,
    )


@alerts_app.command("silences")
def silences(
    ctx: typer.Context,
    ended: bool = typer.Option(False, "--ended", help="Expired silences too."),
    output: Format = FORMAT,
) -> None:
    """Active silences, soonest end first."""
    from monitor.api.schemas.silences import silence_out
    from monitor.cli.store_access import opened_session
    from monitor.store.silences import list_silences

    settings = state_of(ctx).settings
    now = datetime.now(UTC)
    with opened_session(settings) as session:
        listed = [silence_out(s, now) for s in list_silences(session=session, now=now, ended=ended)]
    if output is Format.json:
        out.file.write(exact_json([s.model_dump() for s in listed], indented=True) + "\n")
        return
    if not listed:
        out.print("No silences.", markup=False)
        return
    out.print(silences_table(listed, ZoneInfo(settings.timezone)))


def silences_table(listed: list[SilenceOut], zone: ZoneInfo) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("ID", "Portfolio", "Class", "Holds", "Status", "Until", "By"):
        table.add_column(name, justify="right" if name == "ID" else "left", no_wrap=True)
    table.add_column("Comment", overflow="fold")
    for s in listed:
        table.add_row(
            str(s.id),
            Text(s.portfolio),
            Text(s.asset_class or "every"),
            "all" if s.all else "reminders",
            s.status,
            local(s.ends_at, zone, seconds=False),
            Text(s.created_by + (f" (ended by {s.expired_by})" if s.expired_by else "")),
            Text(s.comment),
        )
    return table


@alerts_app.command("expire")
def expire(
    ctx: typer.Context,
    silence_id: int = typer.Argument(
        ..., metavar="ID", min=1, max=LARGEST_ID, help="The silence's id (see `alerts silences`)."
    ),
) -> None:
    """End a silence now. If its portfolios are still out of band, a reminder goes at the
    next tick."""
    from monitor.store.silences import expire_silence

    settings = state_of(ctx).settings
    with writing(settings) as session:
        record = expire_silence(
            session=session, silence_id=silence_id, now=datetime.now(UTC), by=cli_user()
        )
    out.print(
        f"Silence {silence_id} ({record.silence.matcher.describe()}) has ended.", markup=False
    )


@alerts_app.command("ack")
def ack(ctx: typer.Context, alert_id: int = ALERT_ID, output: Format = FORMAT) -> None:
    """Acknowledge an alert: seen, being handled. Each portfolio it names that is out of
    band gets no reminders until its drift state changes (a new class, the drift growing
    by the escalation step, or back in band)."""
    from monitor.api.schemas.silences import acknowledgement_out
    from monitor.store.silences import acknowledge

    settings = state_of(ctx).settings
    with writing(settings) as session:
        made = acknowledge(session=session, alert_id=alert_id, now=datetime.now(UTC), by=cli_user())
    if output is Format.json:
        shown = [acknowledgement_out(a).model_dump() for a in made]
        out.file.write(exact_json(shown, indented=True) + "\n")
        return
    names = ", ".join(a.portfolio_id for a in made)
    out.print(
        f"Alert {alert_id} acknowledged: no reminders for {names} until its drift changes.",
        markup=False,
        soft_wrap=True,
    )


@alerts_app.command("acks")
def acks(
    ctx: typer.Context,
    limit: int = typer.Option(
        50, "--limit", "-n", min=1, max=LARGEST_ID, help="At most this many."
    ),
    output: Format = FORMAT,
) -> None:
    """Acknowledgements, newest first, with the drift state each holds for."""
    from monitor.api.schemas.silences import acknowledgement_out
    from monitor.cli.store_access import opened_session
    from monitor.store.silences import list_acknowledgements

    settings = state_of(ctx).settings
    with opened_session(settings) as session:
        listed = [
            acknowledgement_out(a) for a in list_acknowledgements(session=session, limit=limit)
        ]
    if output is Format.json:
        out.file.write(exact_json([a.model_dump() for a in listed], indented=True) + "\n")
        return
    if not listed:
        out.print("No acknowledgements.", markup=False)
        return
    zone = ZoneInfo(settings.timezone)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("When", "Portfolio", "Alert", "By", "Holds while out of band"):
        table.add_column(name, no_wrap=name != "Holds while out of band")
    for a in listed:
        since = local(a.drifted_since, zone, seconds=False)
        held = (
            f"since {since}: {', '.join(a.notified_classes)}, worst {a.notified_worst_drift:.2f} pp"
        )
        table.add_row(
            local(a.created_at, zone, seconds=False),
            Text(a.portfolio_id),
            str(a.alert_id),
            Text(a.created_by),
            held,
        )
    out.print(table)


@alerts_app.command("suppressed")
def suppressed(
    ctx: typer.Context,
    portfolio: str | None = typer.Option(
        None, "--portfolio", "-p", help="A portfolio, an account, or an entry (its accounts too)."
    ),
    limit: int = typer.Option(
        50, "--limit", "-n", min=1, max=LARGEST_ID, help="At most this many."
    ),
    output: Format = FORMAT,
) -> None:
    """Notices a silence or an acknowledgement held back, newest first."""
    from monitor.api.schemas.silences import suppressed_out
    from monitor.cli.store_access import opened_session
    from monitor.store.portfolios import check_portfolio
    from monitor.store.silences import list_suppressed

    settings = state_of(ctx).settings
    with opened_session(settings) as session:
        if portfolio is not None:
            check_portfolio(
                session=session, portfolio_id=portfolio, configured=settings.portfolio_ids
            )
        listed = [
            suppressed_out(s)
            for s in list_suppressed(session=session, portfolio_id=portfolio, limit=limit)
        ]
    if output is Format.json:
        out.file.write(exact_json([s.model_dump() for s in listed], indented=True) + "\n")
        return
    if not listed:
        out.print("Nothing was held back.", markup=False)
        return
    zone = ZoneInfo(settings.timezone)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("Decided", "Portfolio", "Kind", "Held back by"):
        table.add_column(name, no_wrap=name != "Held back by")
    for s in listed:
        table.add_row(
            local(s.decided_at, zone, seconds=False), Text(s.portfolio_id), s.kind, s.reason
        )
    out.print(table)
